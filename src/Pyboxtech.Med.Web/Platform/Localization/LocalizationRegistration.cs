using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.WebEncoders;
using Pyboxtech.Med.Web.Shared;

namespace Pyboxtech.Med.Web.Platform.Localization;

/// <summary>
/// English and Spanish. Text lives in one resource set per module, <c>Modules/&lt;Module&gt;/&lt;Module&gt;Resources.resx</c>
/// (and <c>.es.resx</c>), keyed by the English text; the platform's in <c>Shared/SharedResources.resx</c>. The language
/// of a request is, in order: the person's own choice (stored on their account, carried in the session as a claim),
/// the browser's Accept-Language, the practice's default (<c>Clinic:DefaultLanguage</c>, English unless set).
/// </summary>
public static class LocalizationRegistration
{
    /// <summary>The claim that carries the person's chosen language (empty: none chosen, follow the browser).</summary>
    public const string LanguageClaim = "language";

    public static IMvcBuilder AddMedLocalization(this IMvcBuilder mvc)
    {
        mvc.Services.AddLocalization();
        // Spanish as written (sesión), not as character references (sesi&#xF3;n): still encoded where HTML needs it.
        mvc.Services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        mvc.Services.AddOptions<RequestLocalizationOptions>().Configure<IOptions<ClinicOptions>>((options, clinic) =>
        {
            var fallback = PortalLanguages.Find(clinic.Value.DefaultLanguage) ?? PortalLanguages.All[0];
            options.DefaultRequestCulture = new RequestCulture(fallback);
            options.SupportedCultures = [.. PortalLanguages.All];
            options.SupportedUICultures = [.. PortalLanguages.All];
            options.RequestCultureProviders =
            [
                new CustomRequestCultureProvider(context => Task.FromResult(
                    PortalLanguages.Find(context.User.FindFirst(LanguageClaim)?.Value) is { } chosen
                        ? new ProviderCultureResult(chosen.Name)
                        : null)),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
        return mvc
            .AddViewLocalization()
            .AddDataAnnotationsLocalization(options => options.DataAnnotationLocalizerProvider = (type, factory) => factory.Create(ResourcesOf(type)));
    }

    /// <summary>The resource set of the module (or platform folder) a type lives in: its namespace's "{Last}Resources" class.</summary>
    public static Type ResourcesOf(Type type)
    {
        var space = type.Namespace ?? "";
        var last = space[(space.LastIndexOf('.') + 1)..];
        return type.Assembly.GetType($"{space}.{last}Resources") ?? typeof(SharedResources);
    }

    public static IApplicationBuilder UseMedLocalization(this IApplicationBuilder app) => app.UseRequestLocalization();
}
