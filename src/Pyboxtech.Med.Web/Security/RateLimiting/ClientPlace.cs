using System.Net;
using System.Net.Sockets;

namespace Pyboxtech.Med.Web.Security.RateLimiting;

/// <summary>
/// Whom a per-address limit or count is kept for: an IPv4 address, or an IPv6 /64 network, since one IPv6 host
/// usually holds a whole /64 and could otherwise take a fresh address for every request.
/// </summary>
public static class ClientPlace
{
    /// <summary>A request with no client address (an in-process host); all such requests count as one place.</summary>
    public const string Unknown = "unknown";

    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
