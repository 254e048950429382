using Microsoft.AspNetCore.Authorization;

namespace Pyboxtech.Med.Web.Security.PatientAccess;

public static class PatientAccessRegistration
{
    /// <summary>Patient-level access: per request, because the basis is read on the request's own connection.</summary>
    public static IServiceCollection AddPatientAccess(this IServiceCollection services) =>
        services
            .AddScoped<PatientAccessMemo>()
            .AddScoped<PatientAccessQuery>()
            .AddScoped<PatientAccessService>()
            .AddScoped<IAuthorizationHandler, PatientAccessHandler>();
}
