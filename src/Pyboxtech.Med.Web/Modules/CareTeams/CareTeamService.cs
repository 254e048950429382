using Microsoft.EntityFrameworkCore;
using Npgsql;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.CareTeams;

/// <summary>What a change came to: done, refused with a message (nothing changed), no such team (404), or a colleague's save first (409).</summary>
public sealed record CareTeamChange(bool Found, string? Error = null, bool Conflict = false, Guid? Id = null)
{
    public static CareTeamChange Done(Guid id) => new(true, Id: id);

    public static CareTeamChange Refused(string error) => new(true, error);

    public static CareTeamChange NotFound { get; } = new(false);

    public bool Succeeded => Found && Error is null && !Conflict;
}

/// <summary>
/// Care teams and the whole-practice role flag. Every change runs in one transaction with its audit row (subject the
/// team), whose details say before -> after by names, user names and record numbers, never clinical content.
/// Patient-level access reads these tables at every request, so a change applies from the next one.
/// </summary>
public sealed class CareTeamService(MedDbContext db, AuditTrail audit, TimeProvider clock, IPatientDirectory directory)
{
    private DbSet<CareTeam> Teams => db.Set<CareTeam>();

    private DbSet<CareTeamMember> Members => db.Set<CareTeamMember>();

    private DbSet<PatientCareTeam> TeamPatients => db.Set<PatientCareTeam>();

    public async Task<IReadOnlyList<CareTeamRow>> ListAsync(bool includeArchived, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await Teams.AsNoTracking()
            .Where(t => includeArchived || t.ArchivedAt == null)
            .OrderBy(t => t.Name)
            .Select(t => new
            {
                t.Id, t.Name, t.ReviewedAt, t.ArchivedAt,
                Lead = db.Users.Where(u => u.Id == t.LeadUserId).Select(u => u.DisplayName).FirstOrDefault(),
                Members = Members.Count(m => m.TeamId == t.Id),
                Patients = TeamPatients.Count(p => p.TeamId == t.Id),
            })
            .ToListAsync(cancellationToken);
        return rows.Select(t => new CareTeamRow(
            t.Id, t.Name, t.Lead, t.Members, t.Patients, t.ReviewedAt,
            t.ArchivedAt is null && now - t.ReviewedAt > CareTeam.ReviewInterval, t.ArchivedAt is not null)).ToList();
    }

    public Task<CareTeam?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);

    public async Task<CareTeamSummary?> SummaryAsync(Guid id, CancellationToken cancellationToken)
    {
        var team = await FindAsync(id, cancellationToken);
        if (team is null)
        {
            return null;
        }

        var names = await db.Users.AsNoTracking().Where(u => u.Id == team.LeadUserId || u.Id == team.ReviewedBy)
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
        return new CareTeamSummary(
            team.Id, team.Name, team.Description, team.LeadUserId is { } lead ? names.GetValueOrDefault(lead) : null, team.CreatedAt,
            team.ReviewedAt, names.GetValueOrDefault(team.ReviewedBy), team.ArchivedAt, team.ReviewOverdue(clock.GetUtcNow()));
    }

    public async Task<IReadOnlyList<CareTeamMemberRow>> MembersAsync(Guid teamId, Guid? leadUserId, CancellationToken cancellationToken)
    {
        var rows = await Members.AsNoTracking().Where(m => m.TeamId == teamId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new
            {
                u.Id, u.DisplayName, u.UserName, u.IsActive, m.IsDefaultTeam,
                Roles = db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name!).OrderBy(n => n).ToList(),
                OtherDefault = Members.Where(o => o.UserId == u.Id && o.IsDefaultTeam && o.TeamId != teamId)
                    .Join(Teams, o => o.TeamId, t => t.Id, (o, t) => t.Name).FirstOrDefault(),
            })
            .OrderBy(r => r.DisplayName).ThenBy(r => r.UserName)
            .ToListAsync(cancellationToken);
        return rows.Select(r => new CareTeamMemberRow(r.Id, r.DisplayName, r.UserName ?? "", r.Roles, r.IsDefaultTeam, r.Id == leadUserId, r.IsActive, r.OtherDefault)).ToList();
    }

    /// <summary>
    /// Who may join: active people whose roles give at least Read on clinical notes (anyone else would gain nothing
    /// from a team), who are not in it yet. Only those are offered, and only those are accepted.
    /// </summary>
    public Task<List<CareTeamCandidate>> CandidatesAsync(Guid teamId, CancellationToken cancellationToken) =>
        Clinicians()
            .Where(u => !Members.Any(m => m.TeamId == teamId && m.UserId == u.Id))
            .OrderBy(u => u.DisplayName).ThenBy(u => u.UserName)
            .Select(u => new CareTeamCandidate(u.Id, u.DisplayName, u.UserName ?? ""))
            .ToListAsync(cancellationToken);

    private IQueryable<Security.Identity.MedUser> Clinicians()
    {
        var notes = ClinicalNotesModule.Access.Number;
        var clinicalRoles = db.RoleGrants.Where(g => g.Module == notes && g.Level >= AccessLevel.Read).Select(g => g.RoleId);
        return db.Users.AsNoTracking().Where(u => u.IsActive && db.UserRoles.Any(ur => ur.UserId == u.Id && clinicalRoles.Contains(ur.RoleId)));
    }

    /// <summary>A page of the team's patients by name (one query), recorded as seen with their ids, like a search.</summary>
    public async Task<(IReadOnlyList<CareTeamPatientRow> Rows, int Count)> PatientsAsync(Guid teamId, int page, CancellationToken cancellationToken)
    {
        var count = await TeamPatients.CountAsync(p => p.TeamId == teamId, cancellationToken);
        var scope = new PatientScope(
            false,
            TeamPatients.Where(p => p.TeamId == teamId).Select(p => p.PatientId),
            db.Set<RestrictedRecord>().Where(r => false).Select(r => r.PatientId));
        var rows = await directory.ListAsync(scope, (page - 1) * CareTeamDetailsViewModel.PageSize, CareTeamDetailsViewModel.PageSize, cancellationToken);
        if (rows.Count > 0)
        {
            await audit.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
            {
                Module = CareTeamsModule.Access.Key,
                SubjectType = CareTeamsModule.TeamSubject,
                SubjectId = teamId.ToString(),
                Details = $"{rows.Count} patient(s) listed: {string.Join(' ', rows.Select(r => r.Id))}",
            }, cancellationToken);
        }

        return (rows.Select(r => new CareTeamPatientRow(r.Id, r.RecordNumber, r.FullName, r.DateOfBirth)).ToList(), count);
    }

    /// <summary>Checks a team's name and description; the first problem, or null.</summary>
    private async Task<string?> ProblemWithAsync(Guid? id, string name, string? description, CancellationToken cancellationToken)
    {
        if (name.Length == 0)
        {
            return "Enter the team's name.";
        }

        if (name.Length > CareTeamForm.NameMaxLength)
        {
            return "The name must be at most 100 characters.";
        }

        if (!PlainText.IsPlain(name) || (description is not null && !PlainText.IsPlain(description)))
        {
            return "The name or description contains characters that cannot be typed, such as control or hidden formatting characters.";
        }

        if (description is { Length: > CareTeamForm.DescriptionMaxLength })
        {
            return "The description must be at most 500 characters.";
        }

        // "North team" and "north Team" are one name to people: compared without case, the name taken literally.
        var pattern = name.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
        return await Teams.AnyAsync(t => t.Id != id && EF.Functions.ILike(t.Name, pattern, @"\"), cancellationToken)
            ? "Another team already has this name (archived teams keep theirs)."
            : null;
    }

    public async Task<CareTeamChange> CreateAsync(CareTeamForm form, Guid by, CancellationToken cancellationToken)
    {
        var name = (form.Name ?? "").Trim();
        var description = string.IsNullOrWhiteSpace(form.Description) ? null : form.Description.Trim();
        if (await ProblemWithAsync(null, name, description, cancellationToken) is { } problem)
        {
            return CareTeamChange.Refused(problem);
        }

        var now = clock.GetUtcNow();
        var team = new CareTeam { Name = name, Description = description, CreatedAt = now, CreatedBy = by, ReviewedAt = now, ReviewedBy = by };
        return await ChangeAsync(team.Id, CareTeamsModule.TeamCreated, $"created: name={name}", () =>
        {
            Teams.Add(team);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    public async Task<CareTeamChange> UpdateAsync(Guid id, CareTeamForm form, Guid by, CancellationToken cancellationToken)
    {
        var team = await Teams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return CareTeamChange.NotFound;
        }

        var name = (form.Name ?? "").Trim();
        var description = string.IsNullOrWhiteSpace(form.Description) ? null : form.Description.Trim();
        if (await ProblemWithAsync(id, name, description, cancellationToken) is { } problem)
        {
            return CareTeamChange.Refused(problem);
        }

        if (form.LeadUserId is { } lead && !await Members.AnyAsync(m => m.TeamId == id && m.UserId == lead, cancellationToken))
        {
            return CareTeamChange.Refused("The lead must be a member of the team.");
        }

        if (form.Version is { } version)
        {
            db.Entry(team).Property(t => t.Version).OriginalValue = version;
        }

        var userNames = await UserNamesAsync([team.LeadUserId, form.LeadUserId], cancellationToken);
        var before = Describe(team.Name, team.Description, team.LeadUserId, userNames);
        var leadOnly = team.Name == name && team.Description == description && team.LeadUserId != form.LeadUserId;
        team.Name = name;
        team.Description = description;
        team.LeadUserId = form.LeadUserId;
        if (!db.Entry(team).Properties.Any(p => p.IsModified))
        {
            return CareTeamChange.Done(id);
        }

        var after = Describe(team.Name, team.Description, team.LeadUserId, userNames);
        return await ChangeAsync(id, leadOnly ? CareTeamsModule.LeadChanged : CareTeamsModule.TeamChanged, $"{before} -> {after}", () => Task.CompletedTask, cancellationToken);
    }

    private static string Describe(string name, string? description, Guid? lead, IReadOnlyDictionary<Guid, string> userNames) =>
        $"name={name}; description={(description is null ? "none" : "set")}; lead={(lead is { } l ? userNames.GetValueOrDefault(l, l.ToString()) : "none")}";

    public async Task<CareTeamChange> AddMemberAsync(Guid id, Guid? userId, Guid by, CancellationToken cancellationToken)
    {
        if (!await Teams.AnyAsync(t => t.Id == id, cancellationToken))
        {
            return CareTeamChange.NotFound;
        }

        if (userId is not { } user || await db.Users.AsNoTracking().Where(u => u.Id == user).Select(u => u.UserName).FirstOrDefaultAsync(cancellationToken) is not { } userName)
        {
            return CareTeamChange.Refused("Choose a person from the list.");
        }

        if (await Members.AnyAsync(m => m.TeamId == id && m.UserId == user, cancellationToken))
        {
            return CareTeamChange.Refused("This person is already a member of the team.");
        }

        if (!await Clinicians().AnyAsync(u => u.Id == user, cancellationToken))
        {
            return CareTeamChange.Refused("Only active people whose roles open clinical records can join a team.");
        }

        return await ChangeAsync(id, CareTeamsModule.MemberAdded, $"member added: {userName}", () =>
        {
            Members.Add(new CareTeamMember { TeamId = id, UserId = user, AddedAt = clock.GetUtcNow(), AddedBy = by });
            return Task.CompletedTask;
        }, cancellationToken);
    }

    public async Task<CareTeamChange> RemoveMemberAsync(Guid id, Guid? userId, CancellationToken cancellationToken)
    {
        var team = await Teams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return CareTeamChange.NotFound;
        }

        var member = userId is { } user ? await Members.FirstOrDefaultAsync(m => m.TeamId == id && m.UserId == user, cancellationToken) : null;
        if (member is null)
        {
            return CareTeamChange.Refused("This person is not a member of the team.");
        }

        var userName = (await UserNamesAsync([member.UserId], cancellationToken)).GetValueOrDefault(member.UserId, member.UserId.ToString());
        var wasLead = team.LeadUserId == member.UserId;
        return await ChangeAsync(id, CareTeamsModule.MemberRemoved, $"member removed: {userName}{(wasLead ? $"; lead={userName} -> lead=none" : "")}{(member.IsDefaultTeam ? "; it was their default team" : "")}", () =>
        {
            if (wasLead)
            {
                team.LeadUserId = null;
            }

            Members.Remove(member);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>Makes this team the member's default (clearing their other one), or stops it being their default.</summary>
    public async Task<CareTeamChange> SetDefaultAsync(Guid id, Guid? userId, bool isDefault, CancellationToken cancellationToken)
    {
        var team = await Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return CareTeamChange.NotFound;
        }

        var member = userId is { } user ? await Members.FirstOrDefaultAsync(m => m.TeamId == id && m.UserId == user, cancellationToken) : null;
        if (member is null)
        {
            return CareTeamChange.Refused("This person is not a member of the team.");
        }

        if (member.IsDefaultTeam == isDefault)
        {
            return CareTeamChange.Done(id);
        }

        var userName = (await UserNamesAsync([member.UserId], cancellationToken)).GetValueOrDefault(member.UserId, member.UserId.ToString());
        var previous = await Members.Where(m => m.UserId == member.UserId && m.IsDefaultTeam && m.TeamId != id)
            .Join(Teams, m => m.TeamId, t => t.Id, (m, t) => t.Name).FirstOrDefaultAsync(cancellationToken);
        var details = isDefault
            ? $"default team of {userName}: {previous ?? "none"} -> {team.Name}"
            : $"default team of {userName}: {team.Name} -> none";
        return await ChangeAsync(id, CareTeamsModule.DefaultTeamSet, details, async () =>
        {
            // One default per person (a unique partial index): the other one is cleared first, in its own statement.
            if (isDefault)
            {
                await Members.Where(m => m.UserId == member.UserId && m.IsDefaultTeam && m.TeamId != id)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsDefaultTeam, false), cancellationToken);
            }

            member.IsDefaultTeam = isDefault;
        }, cancellationToken);
    }

    public async Task<CareTeamChange> AssignPatientAsync(Guid id, string? recordNumber, Guid by, CancellationToken cancellationToken)
    {
        if (!await Teams.AnyAsync(t => t.Id == id, cancellationToken))
        {
            return CareTeamChange.NotFound;
        }

        var typed = (recordNumber ?? "").Trim();
        if (typed.Length == 0)
        {
            return CareTeamChange.Refused("Enter the patient's record number.");
        }

        if (typed.Length > 20 || await directory.FindByRecordNumberAsync(typed, cancellationToken) is not { } patientId)
        {
            return CareTeamChange.Refused("No patient has this record number.");
        }

        if (await TeamPatients.AnyAsync(p => p.TeamId == id && p.PatientId == patientId, cancellationToken))
        {
            return CareTeamChange.Refused("This patient is already in the team's care.");
        }

        var number = (await directory.RecordNumbersAsync([patientId], cancellationToken)).GetValueOrDefault(patientId, patientId.ToString());
        return await ChangeAsync(id, CareTeamsModule.PatientAssigned, $"patient assigned: {number}", () =>
        {
            TeamPatients.Add(new PatientCareTeam { PatientId = patientId, TeamId = id, AssignedAt = clock.GetUtcNow(), AssignedBy = by });
            return Task.CompletedTask;
        }, cancellationToken);
    }

    public async Task<CareTeamChange> RemovePatientAsync(Guid id, Guid? patientId, CancellationToken cancellationToken)
    {
        if (!await Teams.AnyAsync(t => t.Id == id, cancellationToken))
        {
            return CareTeamChange.NotFound;
        }

        var row = patientId is { } patient ? await TeamPatients.FirstOrDefaultAsync(p => p.TeamId == id && p.PatientId == patient, cancellationToken) : null;
        if (row is null)
        {
            return CareTeamChange.Refused("This patient is not in the team's care.");
        }

        var number = (await directory.RecordNumbersAsync([row.PatientId], cancellationToken)).GetValueOrDefault(row.PatientId, row.PatientId.ToString());
        return await ChangeAsync(id, CareTeamsModule.PatientRemoved, $"patient removed: {number}", () =>
        {
            TeamPatients.Remove(row);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>Records that someone checked the team's members and patients (RACGP 4.9: access reviewed).</summary>
    public async Task<CareTeamChange> MarkReviewedAsync(Guid id, Guid by, CancellationToken cancellationToken)
    {
        var team = await Teams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return CareTeamChange.NotFound;
        }

        var members = await Members.CountAsync(m => m.TeamId == id, cancellationToken);
        var patients = await TeamPatients.CountAsync(p => p.TeamId == id, cancellationToken);
        var before = team.ReviewedAt;
        return await ChangeAsync(id, CareTeamsModule.TeamReviewed, $"reviewed: last review {before:yyyy-MM-dd} -> {clock.GetUtcNow():yyyy-MM-dd}; {members} member(s), {patients} patient(s)", () =>
        {
            team.ReviewedAt = clock.GetUtcNow();
            team.ReviewedBy = by;
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>Archives (its members no longer open its patients' records through it) or restores a team.</summary>
    public async Task<CareTeamChange> ArchiveAsync(Guid id, bool archive, CancellationToken cancellationToken)
    {
        var team = await Teams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return CareTeamChange.NotFound;
        }

        if ((team.ArchivedAt is not null) == archive)
        {
            return CareTeamChange.Done(id);
        }

        return await ChangeAsync(id, archive ? CareTeamsModule.TeamArchived : CareTeamsModule.TeamRestored, archive ? "active -> archived" : "archived -> active", () =>
        {
            team.ArchivedAt = archive ? clock.GetUtcNow() : null;
            return Task.CompletedTask;
        }, cancellationToken);
    }

    public Task<List<WholePracticeRole>> RolesAsync(CancellationToken cancellationToken) =>
        db.Roles.AsNoTracking().OrderBy(r => r.Name)
            .Select(r => new WholePracticeRole(r.Id, r.Name ?? "", r.Description, r.SeesWholePractice))
            .ToListAsync(cancellationToken);

    /// <summary>Sets which roles open every patient's record (restricted records excepted); unknown role ids are refused.</summary>
    public async Task<CareTeamChange> SetWholePracticeRolesAsync(IReadOnlyCollection<Guid> roleIds, CancellationToken cancellationToken)
    {
        var roles = await db.Roles.OrderBy(r => r.Name).ToListAsync(cancellationToken);
        if (roleIds.Any(id => roles.All(r => r.Id != id)))
        {
            return CareTeamChange.Refused("One of the chosen roles no longer exists. Reload the page and choose again.");
        }

        var before = string.Join(", ", roles.Where(r => r.SeesWholePractice).Select(r => r.Name));
        foreach (var role in roles)
        {
            role.SeesWholePractice = roleIds.Contains(role.Id);
        }

        var after = string.Join(", ", roles.Where(r => r.SeesWholePractice).Select(r => r.Name));
        if (before == after)
        {
            return CareTeamChange.Done(Guid.Empty);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEntry((AuditEventType)CareTeamsModule.WholePracticeRolesChanged, AuditOutcome.Succeeded)
        {
            Module = CareTeamsModule.Access.Key,
            SubjectType = CareTeamsModule.WholePracticeSubject,
            Details = $"{(before.Length == 0 ? "none" : before)} -> {(after.Length == 0 ? "none" : after)}",
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return CareTeamChange.Done(Guid.Empty);
    }

    /// <summary>One change and its audit row in one transaction; a colleague's save in between or a name taken meanwhile changes nothing.</summary>
    private async Task<CareTeamChange> ChangeAsync(Guid teamId, int eventNumber, string details, Func<Task> change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await change();
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return new CareTeamChange(true, "Someone else changed this team while you were editing. The form now shows what is saved; make your change again.", Conflict: true);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return CareTeamChange.Refused("Someone else made the same change a moment ago. Reload the page to see it.");
        }

        await audit.RecordAsync(new AuditEntry((AuditEventType)eventNumber, AuditOutcome.Succeeded)
        {
            Module = CareTeamsModule.Access.Key,
            SubjectType = CareTeamsModule.TeamSubject,
            SubjectId = teamId.ToString(),
            Details = details,
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return CareTeamChange.Done(teamId);
    }

    private async Task<IReadOnlyDictionary<Guid, string>> UserNamesAsync(IEnumerable<Guid?> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.OfType<Guid>().Distinct().ToList();
        return wanted.Count == 0
            ? new Dictionary<Guid, string>()
            : await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName ?? "", cancellationToken);
    }
}
