using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pyboxtech.Med.Web.Platform.Observability;

/// <summary>
/// What the health endpoints answer: the overall status, the release and commit running (so an upgrade can be
/// checked from outside), and each check's status by name. No descriptions or exception texts: the endpoints are open
/// to anyone, and the reasons are in the portal's log.
/// </summary>
internal static class HealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteString("version", PortalVersion.Number);
        if (PortalVersion.Commit is { } commit)
        {
            json.WriteString("commit", commit);
        }

        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteString(name, entry.Status.ToString());
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
