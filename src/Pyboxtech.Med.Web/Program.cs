using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Platform.Localization;
using Pyboxtech.Med.Web.Platform.Observability;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security.RateLimiting;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared;

var builder = WebApplication.CreateBuilder(args);
builder.AddMedLogging();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<ClinicOptions>(builder.Configuration.GetSection(ClinicOptions.Section));
builder.Services.AddMedDatabase();
builder.Services.AddScoped<DatabaseMigrator>();
builder.Services.AddMedNetwork(builder.Configuration);
builder.Services.AddHttpContextAccessor();
builder.Services.AddMedAuditing(builder.Configuration);

// The key ring lives in PostgreSQL so that restarts and several instances share it (cookies survive both),
// encrypted with a certificate kept outside the database.
var dataProtection = builder.Services.AddDataProtection()
    .SetApplicationName("Pyboxtech-Med")
    .PersistKeysToDbContext<MedDbContext>();
var moduleCommand = ModuleCatalog.Command(args.FirstOrDefault());
var maintenanceCommand = args.FirstOrDefault() is "migrate" or "verify-audit" || moduleCommand is not null;
if (!maintenanceCommand)
{
    // Only the serving process needs the certificate; the migrate and maintenance commands never use the key ring.
    dataProtection.ProtectKeysOutsideTheDatabase(builder.Configuration);
}

builder.Services
    .AddIdentity<MedUser, MedRole>(options =>
    {
        options.User.RequireUniqueEmail = false;
        // Length and composition come from the practice's policy (PasswordPolicyValidator), which can change at run time.
        options.Password.RequiredLength = 1;
        options.Password.RequireDigit = false;
        options.Password.RequireNonAlphanumeric = false;
        options.Password.RequireUppercase = false;
        options.Password.RequireLowercase = false;
        options.Password.RequiredUniqueChars = 1;
        options.Lockout.AllowedForNewUsers = true;
        options.Lockout.MaxFailedAccessAttempts = PasswordPolicyValidator.MaxFailedAttempts;
        options.SignIn.RequireConfirmedAccount = false;
    })
    .AddEntityFrameworkStores<MedDbContext>()
    .AddSignInManager<MedSignInManager>()
    .AddClaimsPrincipalFactory<MedClaimsPrincipalFactory>()
    .AddPasswordValidator<PasswordPolicyValidator>()
    .AddErrorDescriber<LocalizedIdentityErrorDescriber>()
    .AddTokenProvider<TotpTokenProvider>(TotpTokenProvider.Name);
builder.Services.AddSingleton<TotpService>();

// In production (always behind TLS) cookies are __Host- prefixed and Secure: browsers then refuse them over plain
// HTTP and from any other host or path. Development and test hosts serve plain HTTP on localhost.
var httpsOnly = builder.Environment.IsProduction();
builder.Services.ConfigureApplicationCookie(cookie =>
{
    cookie.Cookie.Name = httpsOnly ? "__Host-pyboxtech.session" : "pyboxtech.session";
    cookie.Cookie.HttpOnly = true;
    cookie.Cookie.SameSite = SameSiteMode.Strict;
    cookie.Cookie.SecurePolicy = httpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
    cookie.Cookie.Path = "/";
    cookie.LoginPath = "/Account/Login";
    cookie.LogoutPath = "/Account/Logout";
    cookie.AccessDeniedPath = "/Account/AccessDenied";
    cookie.ExpireTimeSpan = TimeSpan.FromMinutes(15);
    cookie.SlidingExpiration = true;
});

// The five-minute cookie between the password and the code gets the same protection as the session cookie.
builder.Services.Configure<CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme, cookie =>
{
    cookie.Cookie.Name = httpsOnly ? "__Host-pyboxtech.second-step" : "pyboxtech.second-step";
    cookie.Cookie.HttpOnly = true;
    cookie.Cookie.SameSite = SameSiteMode.Strict;
    cookie.Cookie.SecurePolicy = httpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
    cookie.Cookie.Path = "/";
});

builder.Services.Configure<SessionTimeoutOptions>(builder.Configuration.GetSection(SessionTimeoutOptions.Section));
// Sessions live in the database and are checked at every request, with the account's stamp, state and roles, in one
// query (SessionStore): sign-out, deactivation, a reset or a role change apply at the next request.
builder.Services.AddSingleton<SessionStore>();
builder.Services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, UseSessionStore>();

// Deny by default: an endpoint without a declaration still needs a signed-in user, and a test fails it anyway.
builder.Services.AddAuthorizationBuilder()
    .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
builder.Services.AddSingleton<PermissionMatrix>();
builder.Services.AddSingleton<SecuritySettingsService>();
builder.Services.AddHostedService<ChangeListener>();
builder.Services.AddSingleton<PortalSecrets>();
builder.Services.AddSingleton<IAuthorizationHandler, ModulePermissionHandler>();
builder.Services.AddPatientAccess();
builder.Services.AddMedAnonymousRateLimit(builder.Configuration);

foreach (var module in ModuleCatalog.All)
{
    module.AddServices(builder.Services, builder.Configuration);
}

builder.Services
    .AddControllersWithViews(mvc =>
    {
        mvc.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
        mvc.Filters.Add<AntiforgeryRefusalAudit>();
        mvc.Filters.Add<OwedAuditRowFilter>();
    })
    .AddRazorOptions(razor =>
    {
        razor.ViewLocationFormats.Clear();
        razor.ViewLocationFormats.Add(ModuleViewLocations.SharedViews);
        razor.ViewLocationExpanders.Add(new ModuleViewLocations());
    })
    .AddMedLocalization();
builder.Services.AddAntiforgery(antiforgery =>
{
    antiforgery.Cookie.Name = httpsOnly ? "__Host-pyboxtech.antiforgery" : "pyboxtech.antiforgery";
    antiforgery.Cookie.SecurePolicy = httpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
    antiforgery.Cookie.Path = "/";
});

builder.Services.AddMedTempDataCookie(httpsOnly);
builder.Services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(365));
builder.AddMedObservability();

var app = builder.Build();

switch (args)
{
    case ["migrate", ..]:
        await using (var scope = app.Services.CreateAsyncScope())
        {
            try
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
            }
            catch (MigrationHistoryMismatchException mismatch)
            {
                // A person's mistake with a plain remedy, not a fault: the message, without a stack trace.
                await Console.Error.WriteLineAsync(mismatch.Message);
                return 1;
            }
        }

        return 0;
    case ["verify-audit", .. var options]:
        return await AuditCommands.VerifyAsync(app.Services, options);
    case [_, .. var commandArguments] when moduleCommand is not null:
        return await moduleCommand(app.Services, commandArguments);
}

app.UseForwardedHeaders();
// Outermost after the client address is known, so each request's log line carries the status the client got (the
// 503 of an outage, the 500 page of a failure), not the exception on its way out.
app.UseMedRequestLogging();
app.UseMiddleware<SecurityHeadersMiddleware>();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
    // One year, only ever sent over HTTPS (behind the compose proxy).
    app.UseHsts();
}

app.UseMiddleware<OutageMiddleware>();

app.UseStatusCodePagesWithReExecute("/Error/{0}");
app.UseStaticFiles();
app.UseRouting();
app.UseMiddleware<SetupGateMiddleware>();
app.UseAuthentication();
// After authentication: the person's own language choice travels in their session.
app.UseMedLocalization();
// After authentication, so that signed-in staff are told apart and never limited; before the permission check and
// its audit row, so that a flood of anonymous requests is refused without a row each (summarised by address instead).
app.UseRateLimiter();
app.UseMiddleware<ConfinementMiddleware>();
app.UseAuthorization();

app.MapMedHealthChecks();
app.MapControllers();

try
{
    await app.RunAsync();
}
catch (KeyRingUnusableException)
{
    // A certificate that cannot read the keys in the database (a restore without it): KeyRingCheck logged what to do,
    // once; the start stops before anything used the key ring, instead of 500s at two-factor sign-ins.
    return 1;
}

return 0;
