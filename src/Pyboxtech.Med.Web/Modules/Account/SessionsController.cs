using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>A person's own signed-in sessions: where and since when, and a button to end any of them.</summary>
[AnySignedInUser]
[Route("Account/Sessions")]
public sealed class SessionsController(UserManager<MedUser> users, SessionStore sessions, MedDbContext db, AuditTrail audit) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var user = await users.GetUserAsync(User);
        return user is null
            ? Challenge()
            : View(SessionsViewModel.Of(await sessions.OpenSessionsAsync(db, user.Id), HttpContext.Items[SessionStore.CurrentSessionKey] as string));
    }

    [HttpPost("{handle}/End")]
    public async Task<IActionResult> End(string handle)
    {
        var user = await users.GetUserAsync(User);
        // Only one's own open sessions are looked at: anything else answers as if it did not exist.
        var session = user is null ? null : (await sessions.OpenSessionsAsync(db, user.Id)).FirstOrDefault(s => s.Handle == handle);
        if (session is null)
        {
            return NotFound();
        }

        await sessions.RemoveAsync(session.Id);
        await audit.RecordAsync(new AuditEntry(AuditEventType.Logout, AuditOutcome.Succeeded) { Module = IdentityModel.AuditModule, SubjectType = IdentityModel.SessionSubject, SubjectId = handle, Details = "ended one of their own sessions" });
        TempData["Notice"] = "That session was ended.";
        return RedirectToAction(nameof(Index));
    }
}

/// <summary>A person's open sessions as the page shows them: never the session key or its ticket.</summary>
public sealed record SessionsViewModel(IReadOnlyList<SessionRow> Sessions)
{
    public static SessionsViewModel Of(IEnumerable<UserSession> open, string? currentId) =>
        new(open.Select(s => new SessionRow(s.Handle, s.Id == currentId, s.StartedAt, s.LastSeenAt, s.ClientIp, s.UserAgent)).ToList());
}

public sealed record SessionRow(string Handle, bool IsCurrent, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, string? ClientIp, string? UserAgent);
