using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Http.Resilience;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>Patients' documents, kept in the clinic's Nextcloud (WebDAV); the portal is the gate and the record of who touched what.</summary>
public sealed class DocumentsModule : MatrixModuleDeclaration<DocumentsModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("Documents", 4, "Documents")
    {
        HoldsHealthInformation = true,
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [Doctor] = AccessLevel.Write,
            [Nurse] = AccessLevel.Read,
            [AlliedHealth] = AccessLevel.Read,
            [Locum] = AccessLevel.Read,
        },
    };

    public override NavigationItem Navigation { get; } = new("Documents", "Documents", "Index", "file-text", Access);

    // Documents are archived, never deleted by the portal; the connection row is updated in place.
    public override ModuleSchema Schema { get; } = new(DocumentsModel.Schema, "SELECT, INSERT, UPDATE");

    public override AuditEventBlock Events { get; } = new(3400, new Dictionary<int, string>
    {
        [3401] = "Document uploaded",
        [3402] = "Documents listed",
        [3403] = "Document viewed",
        [3404] = "Document downloaded",
        [3405] = "Document renamed",
        [3406] = "Document archived",
        [3407] = "Document integrity failure",
        [3408] = "Document upload refused",
        [3409] = "Documents refused without basis",
        [3410] = "Nextcloud connection changed",
        [3411] = "Document integrity check run",
    });

    public override void ConfigureModel(ModelBuilder model) => DocumentsModel.Configure(model);

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<DocumentConnectionStore>();
        services.AddScoped<DocumentService>();
        services.AddScoped<IntegrityCheck>();
        services.AddSingleton<IntegrityProgress>();
        services.AddHostedService<DocumentsMaintenance>();

        // Time limits are the connection's settings (per call); the handler's own are only a ceiling. Retries with
        // backoff for idempotent methods only: PUT (a streamed body cannot be replayed) and MOVE never repeat.
        services.AddHttpClient<WebDavClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddStandardResilienceHandler(options =>
            {
#pragma warning disable EXTEXP0001 // DisableFor is marked experimental; it is the documented way to keep unsafe methods from retrying.
                options.Retry.DisableFor(HttpMethod.Put, HttpMethod.Post, HttpMethod.Patch, WebDavClient.Move, new HttpMethod("COPY"), new HttpMethod("LOCK"));
#pragma warning restore EXTEXP0001
                options.Retry.MaxRetryAttempts = 2;
                options.Retry.Delay = TimeSpan.FromMilliseconds(300);
                options.AttemptTimeout.Timeout = TimeSpan.FromHours(2);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromHours(6);
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromHours(4);
            });
    }
}
