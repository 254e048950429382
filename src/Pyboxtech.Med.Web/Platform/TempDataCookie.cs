using Microsoft.AspNetCore.Mvc;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// The TempData cookie (the one-time messages shown after a redirect) gets the session cookie's protection: in
/// production <c>__Host-</c> prefixed and Secure, so browsers refuse it over plain HTTP and from any other host or path.
/// Left at MVC's defaults it was the one cookie named <c>.AspNetCore.Mvc.CookieTempDataProvider</c>, not host-bound
/// (found through a real TLS proxy: tests/Pyboxtech.Med.Tests/Operations/ProxyTests.cs).
/// </summary>
public static class TempDataCookie
{
    public static IServiceCollection AddMedTempDataCookie(this IServiceCollection services, bool httpsOnly) =>
        services.Configure<CookieTempDataProviderOptions>(tempData =>
        {
            tempData.Cookie.Name = httpsOnly ? "__Host-pyboxtech.tempdata" : "pyboxtech.tempdata";
            tempData.Cookie.SecurePolicy = httpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            tempData.Cookie.HttpOnly = true;
            tempData.Cookie.SameSite = SameSiteMode.Strict;
            tempData.Cookie.Path = "/";
        });
}
