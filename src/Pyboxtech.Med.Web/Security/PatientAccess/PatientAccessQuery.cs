using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Security.PatientAccess;

/// <summary>
/// The patients a person may open: the ids to filter lists and searches with, in SQL. <see cref="WholePractice"/>:
/// every patient but the restricted ones, whatever <see cref="Ids"/> holds. Use <c>scope.Ids.Contains(p.Id) ||
/// (scope.WholePractice &amp;&amp; !scope.Restricted.Contains(p.Id))</c> inside the query.
/// </summary>
public sealed record PatientScope(bool WholePractice, IQueryable<Guid> Ids, IQueryable<Guid> Restricted);

/// <summary>
/// The one place that reads who may open which patient's clinical record. <see cref="BasisAsync"/> is one statement on
/// the request's connection; <see cref="VisiblePatients"/> composes into the caller's query. Nothing is cached: a
/// team change, a revoked grant or an expired window applies at the next request.
/// </summary>
public sealed class PatientAccessQuery(MedDbContext db, TimeProvider clock)
{
    private const string BasisSql = """
        SELECT
            (SELECT t.name FROM access.patient_care_teams pt
               JOIN access.care_team_members m ON m.team_id = pt.team_id AND m.user_id = $2
               JOIN access.care_teams t ON t.id = pt.team_id AND t.archived_at IS NULL
             WHERE pt.patient_id = $1 ORDER BY t.name LIMIT 1),
            g.level, g.expires_at, grantor.display_name,
            e.ends_at, e.purpose_of_use,
            EXISTS (SELECT 1 FROM access.restricted_records r WHERE r.patient_id = $1)
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL (
            SELECT level, expires_at, granted_by FROM access.grants
            WHERE patient_id = $1 AND grantee_id = $2 AND revoked_at IS NULL AND expires_at > $3
            ORDER BY level DESC, expires_at DESC LIMIT 1) g ON true
        LEFT JOIN account.users grantor ON grantor.id = g.granted_by
        LEFT JOIN LATERAL (
            SELECT ends_at, purpose_of_use FROM access.emergency_accesses
            WHERE patient_id = $1 AND user_id = $2 AND started_at <= $3 AND ends_at > $3
            ORDER BY ends_at DESC LIMIT 1) e ON true
        """;

    /// <summary>
    /// The strongest basis <paramref name="userId"/> has for <paramref name="patientId"/> now. A restricted record
    /// allows neither emergency access nor whole-practice roles.
    /// </summary>
    public async Task<AccessBasis> BasisAsync(Guid userId, Guid patientId, bool wholePracticeRole, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand(BasisSql, connection)
        {
            Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction(),
            Parameters = { new() { Value = patientId }, new() { Value = userId }, new() { Value = clock.GetUtcNow() } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var restricted = reader.GetBoolean(6);
        var candidates = new List<AccessBasis>(4);
        if (!reader.IsDBNull(0))
        {
            candidates.Add(new AccessBasis(AccessBasisKind.CareTeam, AccessLevel.Write, reader.GetString(0)));
        }

        if (!reader.IsDBNull(1))
        {
            candidates.Add(new AccessBasis(AccessBasisKind.Grant, (AccessLevel)reader.GetInt16(1), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        if (wholePracticeRole && !restricted)
        {
            candidates.Add(new AccessBasis(AccessBasisKind.WholePractice, AccessLevel.Write));
        }

        if (!reader.IsDBNull(4) && !restricted)
        {
            candidates.Add(new AccessBasis(AccessBasisKind.Emergency, AccessLevel.Write, Until: reader.GetFieldValue<DateTimeOffset>(4), PurposeOfUse: reader.GetString(5)));
        }

        // The highest level wins; at equal level the first (care team, grant, whole practice, emergency): a person in
        // the team who also broke the glass is working as a team member, not in an emergency.
        return candidates.Count == 0
            ? AccessBasis.None(emergencyAllowed: !restricted)
            : candidates.OrderByDescending(c => c.Level).First() with { EmergencyAllowed = !restricted };
    }

    /// <summary>The patients <paramref name="userId"/> may open now, as a query to compose (never materialised here).</summary>
    public PatientScope VisiblePatients(Guid userId, bool wholePracticeRole)
    {
        var now = clock.GetUtcNow();
        var teams = db.Set<CareTeam>().Where(t => t.ArchivedAt == null && db.Set<CareTeamMember>().Any(m => m.TeamId == t.Id && m.UserId == userId)).Select(t => t.Id);
        var viaTeams = db.Set<PatientCareTeam>().Where(p => teams.Contains(p.TeamId)).Select(p => p.PatientId);
        var viaGrants = db.Set<AccessGrant>().Where(g => g.GranteeId == userId && g.RevokedAt == null && g.ExpiresAt > now).Select(g => g.PatientId);
        var viaEmergency = db.Set<EmergencyAccess>().Where(e => e.UserId == userId && e.StartedAt <= now && e.EndsAt > now).Select(e => e.PatientId);
        var restricted = db.Set<RestrictedRecord>().Select(r => r.PatientId);
        // UNION ALL: the ids only feed an IN (...), so duplicates do no harm, and de-duplicating a team of 12,500 patients
        // on every search cost about 12 ms (docs/benchmarks.md, issue 16).
        return new PatientScope(wholePracticeRole, viaTeams.Concat(viaGrants).Concat(viaEmergency.Where(id => !restricted.Contains(id))), restricted);
    }

    /// <summary>Puts a newly registered patient in the registering person's default team, inside the caller's transaction; the team's name, or null.</summary>
    public async Task<string?> AssignDefaultTeamAsync(Guid patientId, Guid registeredBy, CancellationToken cancellationToken)
    {
        var team = await db.Set<CareTeamMember>()
            .Where(m => m.UserId == registeredBy && m.IsDefaultTeam)
            .Join(db.Set<CareTeam>().Where(t => t.ArchivedAt == null), m => m.TeamId, t => t.Id, (m, t) => t)
            .FirstOrDefaultAsync(cancellationToken);
        if (team is null)
        {
            return null;
        }

        db.Set<PatientCareTeam>().Add(new PatientCareTeam { PatientId = patientId, TeamId = team.Id, AssignedAt = clock.GetUtcNow(), AssignedBy = registeredBy });
        await db.SaveChangesAsync(cancellationToken);
        return team.Name;
    }
}
