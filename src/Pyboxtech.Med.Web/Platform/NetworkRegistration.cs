using Microsoft.AspNetCore.HttpOverrides;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// The client address and scheme come from the connection, or from X-Forwarded-For/-Proto only when the
/// request arrived from a proxy listed in <c>Network:TrustedProxies</c> (IP addresses or CIDR ranges).
/// Anyone else's forwarded headers are ignored, so a client cannot choose the address the audit trail records.
/// </summary>
public static class NetworkRegistration
{
    public static IServiceCollection AddMedNetwork(this IServiceCollection services, IConfiguration configuration)
    {
        var trusted = configuration.GetSection("Network:TrustedProxies").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // With no known proxy at all, ASP.NET Core would believe forwarded headers from anyone: read none then.
            options.ForwardedHeaders = trusted.Any(t => !string.IsNullOrWhiteSpace(t))
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                : ForwardedHeaders.None;
            options.ForwardLimit = 1;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            foreach (var entry in trusted.Where(t => !string.IsNullOrWhiteSpace(t)))
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry.Contains('/', StringComparison.Ordinal) ? entry : SingleAddress(entry)));
            }
        });
        return services;
    }

    private static string SingleAddress(string address) =>
        System.Net.IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"{address}/128"
            : $"{address}/32";
}
