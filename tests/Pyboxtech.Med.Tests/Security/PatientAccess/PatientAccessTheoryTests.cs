using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Security.PatientAccess;

/// <summary>
/// The proof of patient-level access (ARCHITECTURE.md): every relationship a person can have with a patient, for each
/// kind of role, against each clinical endpoint, answers exactly as written in the table below. The table is the
/// specification; it is not computed from the code's rules. Each person and patient is made for their case alone.
/// </summary>
public sealed class PatientAccessTheoryTests(PatientAccessTheoryTests.Portal portal) : IClassFixture<PatientAccessTheoryTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        private readonly Dictionary<(string Relationship, string Role), (HttpClient Client, Guid Patient)> _cases = [];
        private readonly SemaphoreSlim _one = new(1, 1);

        /// <summary>A signed-in person with <paramref name="relationship"/> to a patient of their own, made once per pair.</summary>
        public async Task<(HttpClient Client, Guid Patient)> CaseAsync(string relationship, string role)
        {
            await _one.WaitAsync();
            try
            {
                if (!_cases.TryGetValue((relationship, role), out var made))
                {
                    made = await MakeAsync(relationship, role);
                    _cases[(relationship, role)] = made;
                }

                return made;
            }
            finally
            {
                _one.Release();
            }
        }

        private async Task<(HttpClient Client, Guid Patient)> MakeAsync(string relationship, string role)
        {
            var userName = $"{relationship}.{role}".Replace(' ', '-').ToLowerInvariant();
            var roles = relationship.StartsWith("WholePractice", StringComparison.Ordinal) ? new[] { role, WholePracticeRole } : [role];
            // The colleague first: it also makes the whole-practice role the person may be given (test order is not fixed).
            var colleague = await ColleagueAsync();
            var person = await CreateUserAsync(userName, userName, StrongPassword, roles);
            var now = DateTimeOffset.UtcNow;
            var patient = await WithDbAsync(async db =>
            {
                var record = Patient.Register(now, colleague);
                record.FamilyName = "Theory";
                record.GivenNames = userName;
                record.DateOfBirth = new DateOnly(1970, 1, 1);
                record.Sex = Sex.NotStated;
                db.Add(record);
                var team = new CareTeam { Name = "Team " + userName, CreatedAt = now, CreatedBy = colleague, ReviewedAt = now, ReviewedBy = colleague };
                db.Add(team);
                db.Add(new PatientCareTeam { PatientId = record.Id, TeamId = team.Id, AssignedAt = now, AssignedBy = colleague });
                db.Add(new CareTeamMember { TeamId = team.Id, UserId = colleague, AddedAt = now, AddedBy = colleague });
                if (relationship.StartsWith("TeamMember", StringComparison.Ordinal))
                {
                    db.Add(new CareTeamMember { TeamId = team.Id, UserId = person.Id, AddedAt = now, AddedBy = colleague });
                }

                if (relationship.EndsWith("Restricted", StringComparison.Ordinal))
                {
                    db.Add(new RestrictedRecord { PatientId = record.Id, Reason = "staff member", RestrictedAt = now, RestrictedBy = colleague });
                }

                switch (relationship)
                {
                    case "WriteGrantee":
                        db.Add(Grant(record.Id, person.Id, colleague, AccessLevel.Write, now.AddDays(-1), now.AddDays(29)));
                        break;
                    case "ReadGrantee":
                        db.Add(Grant(record.Id, person.Id, colleague, AccessLevel.Read, now.AddDays(-1), now.AddDays(29)));
                        break;
                    case "ExpiredGrantee":
                        db.Add(Grant(record.Id, person.Id, colleague, AccessLevel.Write, now.AddDays(-31), now.AddMinutes(-1)));
                        break;
                    case "RevokedGrantee":
                        var revoked = Grant(record.Id, person.Id, colleague, AccessLevel.Write, now.AddDays(-1), now.AddDays(29));
                        revoked.RevokedAt = now.AddMinutes(-5);
                        revoked.RevokedBy = colleague;
                        db.Add(revoked);
                        break;
                    case "EmergencyWithin":
                        db.Add(Emergency(record.Id, person.Id, now.AddMinutes(-10), now.AddMinutes(50)));
                        break;
                    case "ReadGranteeInEmergency":
                        db.Add(Grant(record.Id, person.Id, colleague, AccessLevel.Read, now.AddDays(-1), now.AddDays(29)));
                        db.Add(Emergency(record.Id, person.Id, now.AddMinutes(-10), now.AddMinutes(50)));
                        break;
                    case "EmergencyAfter":
                        db.Add(Emergency(record.Id, person.Id, now.AddMinutes(-70), now.AddMinutes(-10)));
                        break;
                }

                await db.SaveChangesAsync();
                return record.Id;
            });
            return (await SignInAsync(userName), patient);
        }

        private Guid? _colleague;

        /// <summary>The doctor in whose team every patient is, and who gave every grant.</summary>
        private async Task<Guid> ColleagueAsync()
        {
            if (_colleague is null)
            {
                _colleague = (await CreateUserAsync("colleague.lead", "Dr Colleague", StrongPassword, DefaultRoles.Doctor)).Id;
                await WithDbAsync(async db =>
                {
                    db.Roles.Add(new MedRole { Id = Guid.CreateVersion7(), Name = WholePracticeRole, NormalizedName = WholePracticeRole.ToUpperInvariant(), Description = "opens every record", SeesWholePractice = true });
                    return await db.SaveChangesAsync();
                });
            }

            return _colleague.Value;
        }

        private static AccessGrant Grant(Guid patient, Guid grantee, Guid by, AccessLevel level, DateTimeOffset from, DateTimeOffset until) =>
            new() { PatientId = patient, GranteeId = grantee, GrantedBy = by, Level = level, Reason = "second opinion", GrantedAt = from, ExpiresAt = until };

        private static EmergencyAccess Emergency(Guid patient, Guid user, DateTimeOffset from, DateTimeOffset until) =>
            new() { PatientId = patient, UserId = user, PurposeOfUse = "ETREAT", Reason = "collapsed in the waiting room", StartedAt = from, EndsAt = until };
    }

    private const string WholePracticeRole = "Whole practice (test)";

    // Answers: "page" 200, "offer" 403 with the emergency-access offer, "none" 404, "denied" the matrix's refusal
    // (redirect to the access-denied page), "record" a redirect to the patient's record.
    private const string Doctor = DefaultRoles.Doctor;
    private const string Student = DefaultRoles.StudentOrResearcher;
    private const string Receptionist = DefaultRoles.Receptionist;

    /// <summary>
    /// relationship -> role -> (record page, new note, share form, emergency form). The record page is where emergency
    /// access is offered (403 with the offer); other pages of a record the person cannot open answer 404. Breaking the
    /// glass needs Write on Clinical notes: a Read-only role (a student) is never offered it and gets 404.
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string[]>> Expected = new()
    {
        ["TeamMember"] = Row(doctor: ["page", "page", "page", "record"], student: ["page", "denied", "denied", "record"]),
        ["TeamMemberRestricted"] = Row(doctor: ["page", "page", "page", "record"], student: ["page", "denied", "denied", "record"]),
        ["WriteGrantee"] = Row(doctor: ["page", "page", "none", "record"], student: ["page", "denied", "denied", "record"]),
        ["ReadGrantee"] = Row(doctor: ["page", "none", "none", "record"], student: ["page", "denied", "denied", "record"]),
        ["ExpiredGrantee"] = Row(doctor: ["offer", "none", "none", "page"], student: ["none", "denied", "denied", "none"]),
        ["RevokedGrantee"] = Row(doctor: ["offer", "none", "none", "page"], student: ["none", "denied", "denied", "none"]),
        ["EmergencyWithin"] = Row(doctor: ["page", "page", "none", "record"], student: ["page", "denied", "denied", "record"]),
        // Two bases: the stronger one decides (a read-only grantee who broke the glass may write).
        ["ReadGranteeInEmergency"] = Row(doctor: ["page", "page", "none", "record"], student: ["page", "denied", "denied", "record"]),
        ["EmergencyAfter"] = Row(doctor: ["offer", "none", "none", "page"], student: ["none", "denied", "denied", "none"]),
        ["None"] = Row(doctor: ["offer", "none", "none", "page"], student: ["none", "denied", "denied", "none"]),
        ["NoneRestricted"] = Row(doctor: ["none", "none", "none", "none"], student: ["none", "denied", "denied", "none"]),
        ["WholePractice"] = Row(doctor: ["page", "page", "none", "record"], student: ["page", "denied", "denied", "record"]),
        ["WholePracticeRestricted"] = Row(doctor: ["none", "none", "none", "none"], student: ["none", "denied", "denied", "none"]),
    };

    private static readonly string[] Endpoints = ["GET /Records/{id}", "GET /Records/{id}/Notes/New", "GET /Sharing/{id}/New", "GET /Emergency/{id}"];

    public static TheoryData<string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var (relationship, byRole) in Expected)
        {
            foreach (var (role, answers) in byRole)
            {
                for (var i = 0; i < Endpoints.Length; i++)
                {
                    data.Add(relationship, role, Endpoints[i], answers[i]);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Relationship_Role_Endpoint_AnswersAsTheTableSays(string relationship, string role, string endpoint, string expected)
    {
        var (client, patient) = await portal.CaseAsync(relationship, role);
        var path = endpoint["GET ".Length..].Replace("{id}", patient.ToString(), StringComparison.Ordinal);
        var before = await portal.LastAuditSequenceAsync();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(expected, Answer(response, patient));
        var rows = await portal.AuditRowsAfterAsync(before);
        var aboutPatient = rows.Where(r => r.SubjectType == PatientAccessService.SubjectType && r.SubjectId == patient.ToString()).ToList();
        switch (expected)
        {
            case "page" when !endpoint.StartsWith("GET /Emergency", StringComparison.Ordinal):
                // The trail says how the record was reached and for what purpose (HL7 ActReason): treatment, or the
                // purpose given when the glass was broken. (The emergency form is the offer, reached with no basis.)
                var basis = BasisOf(relationship);
                Assert.Contains(rows, r => r.AccessBasis == basis && r.PurposeOfUse == (basis == "Emergency" ? "ETREAT" : "TREAT"));
                if (endpoint == "GET /Records/{id}")
                {
                    // And the page says it to the person, with who gave the grant.
                    var banner = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("[data-testid=basis]")?.TextContent ?? "";
                    Assert.Contains(Banners[basis](relationship, role), banner, StringComparison.Ordinal);
                }

                break;
            case "offer":
                // The offer is the request's one row about the patient: the refusal it stands in for is not written too.
                var offered = Assert.Single(aboutPatient);
                Assert.NotEqual(AuditEventType.RequestDeniedForbidden, offered.EventType);
                break;
            case "none":
                // One refusal row about this patient, saying why in words an auditor can check against the record.
                var refusal = Assert.Single(aboutPatient);
                Assert.Equal((AuditEventType.RequestDeniedForbidden, AuditOutcome.Denied, "ClinicalNotes"), (refusal.EventType, refusal.Outcome, refusal.Module));
                if (RefusalReasons.TryGetValue((relationship, role, endpoint), out var reason))
                {
                    Assert.Equal(reason, refusal.Details);
                }

                break;
        }
    }

    private static readonly Dictionary<string, Func<string, string, string>> Banners = new()
    {
        ["CareTeam"] = (relationship, role) => $"as a member of Team {$"{relationship}.{role}".Replace(' ', '-').ToLowerInvariant()}.",
        ["Grant"] = (_, _) => "by a grant from Dr Colleague until",
        ["Emergency"] = (_, _) => "Emergency access",
        ["WholePractice"] = (_, _) => "Your role opens every patient's record.",
    };

    private static string BasisOf(string relationship) => relationship switch
    {
        _ when relationship.StartsWith("TeamMember", StringComparison.Ordinal) => "CareTeam",
        "WriteGrantee" or "ReadGrantee" => "Grant",
        "EmergencyWithin" or "ReadGranteeInEmergency" => "Emergency",
        _ => relationship,
    };

    /// <summary>What the refusal row says, for the cases that tell the reasons apart.</summary>
    private static readonly Dictionary<(string Relationship, string Role, string Endpoint), string> RefusalReasons = new()
    {
        [("ReadGrantee", Doctor, "GET /Records/{id}/Notes/New")] = "Grant access allows Read only",
        [("NoneRestricted", Doctor, "GET /Records/{id}")] = "no care team or grant for this restricted record",
        [("WholePracticeRestricted", Doctor, "GET /Records/{id}")] = "no care team or grant for this restricted record",
        [("None", Doctor, "GET /Records/{id}/Notes/New")] = "no care team, grant or emergency access for this patient",
        // A student may not break the glass, but the record is not restricted: the row must not say it is.
        [("None", Student, "GET /Records/{id}")] = "no care team, grant or emergency access for this patient",
        [("ExpiredGrantee", Student, "GET /Records/{id}")] = "no care team, grant or emergency access for this patient",
        // Opening is not sharing: a grantee is refused the share form, and the row says why instead of "granted".
        [("WriteGrantee", Doctor, "GET /Sharing/{id}/New")] = "only a member of the patient's care team may share the record; Grant access does not",
        [("WholePractice", Doctor, "GET /Sharing/{id}/New")] = "only a member of the patient's care team may share the record; WholePractice access does not",
    };

    private static string Answer(HttpResponseMessage response, Guid patient)
    {
        var location = response.Headers.Location is { } to ? (to.IsAbsoluteUri ? to.PathAndQuery : to.OriginalString) : "";
        return response.StatusCode switch
        {
            HttpStatusCode.OK => "page",
            HttpStatusCode.Forbidden => "offer",
            HttpStatusCode.NotFound => "none",
            HttpStatusCode.Redirect when location.StartsWith("/Account/AccessDenied", StringComparison.Ordinal) => "denied",
            HttpStatusCode.Redirect when location == $"/Records/{patient}" => "record",
            _ => $"{(int)response.StatusCode} {location}",
        };
    }

    /// <summary>A receptionist (no Clinical notes in the matrix) is refused every clinical endpoint whatever their relationship.</summary>
    private static Dictionary<string, string[]> Row(string[] doctor, string[] student) => new()
    {
        [Doctor] = doctor,
        [Student] = student,
        [Receptionist] = ["denied", "denied", "denied", "denied"],
    };
}
