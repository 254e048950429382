using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>No page escapes axe: every GET endpoint the portal maps (found by reflection) is checked by a walk.</summary>
public sealed class AxeCoverageTests
{
    /// <summary>GET endpoints that answer with no page, each with the reason.</summary>
    private static readonly Dictionary<string, string> NotPages = new(StringComparer.Ordinal)
    {
        ["GET /Account/KeepAlive"] = "answers 204 with no body (the idle warning's keep-alive)",
        ["GET /Audit/Export"] = "answers a CSV file",
        ["GET /Documents/{patientId:guid}/{documentId:guid}/Download"] = "answers the file itself (attachment)",
        ["GET /Reports/Appointments/Csv"] = "answers a CSV file",
        ["GET /Reports/NoShows/Csv"] = "answers a CSV file",
        ["GET /Reports/Takings/Csv"] = "answers a CSV file",
        ["GET /Reports/Outstanding/Csv"] = "answers a CSV file",
        ["GET /Billing/Find"] = "redirects to the patient's invoices (or to Billing's home with a notice); no page of its own",
    };

    [Fact]
    public void EveryGetEndpoint_IsCheckedByAxe_OrIsNoPage()
    {
        var checkedEndpoints = AccessibilityTests.Endpoints.Concat(SetupAccessibilityTests.Endpoints).Concat(ClinicalJourneyAccessibilityTests.Endpoints).Concat(ClinicDayAccessibilityTests.Endpoints).Concat(DocumentsAccessibilityTests.Endpoints).Concat(NotPages.Keys).ToHashSet(StringComparer.Ordinal);
        var missing = ControllerEndpoints.Gets().Where(e => !checkedEndpoints.Contains(e)).ToList();
        Assert.True(missing.Count == 0, "Pages with no axe check: " + string.Join(", ", missing) + ". Add them to a walk in Accessibility/.");
        var stale = checkedEndpoints.Except(ControllerEndpoints.Gets(), StringComparer.Ordinal).ToList();
        Assert.True(stale.Count == 0, "Declared as checked but not mapped: " + string.Join(", ", stale));
    }
}
