using System.Security.Claims;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Security;

/// <summary>
/// A page a signed-in person is held to until they do something there (choose their own password, set up two-factor
/// sign-in): every other request, pages, exports and posts alike, is sent to <see cref="Page"/> and recorded as
/// <see cref="Refusal"/>.
/// </summary>
public sealed record Confinement(PathString Page, AuditEventType Refusal);

/// <summary>Asks whether a person is confined; implemented by the module that owns the page. Asked by <see cref="Order"/>, lowest first.</summary>
public interface IConfinementRule
{
    /// <summary>Where the rule stands among the others: the first that confines a person decides their page.</summary>
    int Order { get; }

    Confinement? ConfinementOf(ClaimsPrincipal user);
}
