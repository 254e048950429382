using System.Security.Claims;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>"Shared with me" on the dashboard: the records colleagues shared with this person, still in force. Only for people with Clinical notes.</summary>
public sealed class SharingPanel(PermissionMatrix matrix, SharingService sharing) : IDashboardPanel
{
    public const int Shown = 5;

    public int Order => 20;

    public async Task<(string View, object Model)?> BuildAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await matrix.CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Read))
        {
            return null;
        }

        var rows = await sharing.SharedWithMeAsync(SharingService.UserId(user), Shown + 1, cancellationToken);
        return rows.Count == 0 ? null : ("~/Modules/ClinicalNotes/Views/Panels/_SharedWithMe.cshtml", new SharedWithMePanelModel(rows.Take(Shown).ToList(), rows.Count > Shown));
    }
}

public sealed record SharedWithMePanelModel(IReadOnlyList<SharedWithMeRow> Rows, bool More);
