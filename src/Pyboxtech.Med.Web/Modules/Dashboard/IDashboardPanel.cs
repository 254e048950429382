using System.Security.Claims;

namespace Pyboxtech.Med.Web.Modules.Dashboard;

/// <summary>
/// A box another module adds to the dashboard ("My unsigned drafts", "Shared with me"). Registered by that module as
/// <c>services.AddScoped&lt;IDashboardPanel, ...&gt;()</c>; the dashboard asks every panel and shows those that answer.
/// A panel costs its queries only for the people it concerns: answer null early for everyone else.
/// </summary>
public interface IDashboardPanel
{
    /// <summary>Place on the page: lower first.</summary>
    int Order { get; }

    /// <summary>
    /// The partial view (an app-relative path in the module's own folder, e.g.
    /// <c>~/Modules/ClinicalNotes/Views/Panels/_Drafts.cshtml</c>) and its model, or null when there is nothing to show.
    /// </summary>
    Task<(string View, object Model)?> BuildAsync(ClaimsPrincipal user, CancellationToken cancellationToken);
}
