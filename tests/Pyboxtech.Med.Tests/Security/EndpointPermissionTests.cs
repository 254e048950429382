using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The permission matrix's own test: every kind of default role against every endpoint the app maps (found by reflection,
/// not listed by hand), GET and POST, on real records with real forms, answers exactly as the default matrix says:
/// allowed is the page (200) or a redirect onwards, refused is the access-denied page (403), and 404 only for a record
/// that does not exist. What each endpoint declares is judged separately (Architecture/PermissionDeclarationTests:
/// the module that owns it, Write for a POST); here the running portal must enforce it for every role.
/// </summary>
public sealed class EndpointPermissionTests(EndpointPermissionTests.Portal portal) : IClassFixture<EndpointPermissionTests.Portal>
{
    private const string AccessDeniedHeading = "You do not have access to this page";
    private const string NotFoundHeading = "Page not found";
    private const string NewPassword = "Quiet-lantern-58-orbit";

    /// <summary>Endpoints mapped in Program.cs rather than by a controller: reflection cannot find them.</summary>
    private static readonly string[] MappedOutsideControllers = ["GET /health", "GET /health/live", "GET /health/ready"];

    /// <summary>
    /// How to use each endpoint as a person would, where a plain GET of its path is not enough: the page that carries
    /// its form, what to type, what to set up first, and what it answers when allowed if that is not simply the page
    /// or a redirect onwards. A POST without a scenario fails its cases.
    /// </summary>
    private static readonly Dictionary<string, Scenario> Scenarios = new(StringComparer.Ordinal)
    {
        // Anonymous sign-in steps, posted from inside a session: the session is ended and sign-in starts again.
        ["POST /Account/Login"] = new() { Values = _ => Task.FromResult(Fields(("UserName", "someone"), ("Password", "wrong"))), FreshActor = true, Allowed = new(HttpStatusCode.Redirect, "/Account/Login") },
        ["POST /Account/LoginWith2fa"] = new() { Values = _ => Task.FromResult(Fields(("Code", "123456"))), FreshActor = true, Allowed = new(HttpStatusCode.Redirect, "/Account/Login") },
        ["POST /Account/Logout"] = new() { FormOn = "/", FreshActor = true, Allowed = new(HttpStatusCode.Redirect, "/Account/Login") },
        ["POST /Account/ChangePassword"] = new()
        {
            FormOn = "/Account/ChangePassword",
            Values = _ => Task.FromResult(Fields(("CurrentPassword", PortalFactory.StrongPassword), ("NewPassword", NewPassword), ("ConfirmNewPassword", NewPassword))),
            FreshActor = true,
            Allowed = new(HttpStatusCode.Redirect, "/"),
        },
        ["POST /Account/Language"] = new() { FormOn = "/", Values = _ => Task.FromResult(Fields(("Language", "es"))), FreshActor = true, Allowed = new(HttpStatusCode.Redirect, "/") },
        ["POST /Account/Sessions/{handle}/End"] = new() { FormOn = "/Account/Sessions", FreshActor = true, Allowed = new(HttpStatusCode.Redirect, "/Account/Sessions") },
        ["POST /Account/TwoFactor/Enable"] = new()
        {
            FormOn = "/Account/TwoFactor",
            Values = async c => Fields(("Code", await c.Portal.TotpCodeAsync(c.Actor.UserId, 0))),
            FreshActor = true,
            Allowed = new(HttpStatusCode.OK, "Your recovery codes"),
        },
        ["POST /Account/TwoFactor/RecoveryCodes"] = new()
        {
            FormOn = "/Account/TwoFactor",
            Prepare = c => c.Portal.EnableTwoFactorAsync(c.Actor),
            // The enrolment used this step's code; a code is good once, so the next step's (accepted a step early).
            Values = async c => Fields(("Code", await c.Portal.TotpCodeAsync(c.Actor.UserId, 1))),
            FreshActor = true,
            Allowed = new(HttpStatusCode.OK, "Your recovery codes"),
        },
        // First-run setup is gone once an account exists, for everyone.
        ["GET /Setup"] = new() { Allowed = new(HttpStatusCode.NotFound, NotFoundHeading) },
        ["POST /Setup"] = new() { Allowed = new(HttpStatusCode.NotFound, NotFoundHeading) },
        // The error page answers with the status it describes.
        ["GET /Error/{statusCode:int?}"] = new() { Allowed = new(HttpStatusCode.NotFound, NotFoundHeading) },
        ["POST /Error/{statusCode:int?}"] = new() { Allowed = new(HttpStatusCode.NotFound, NotFoundHeading) },
        ["GET /health"] = new() { Allowed = new(HttpStatusCode.OK, "Healthy") },
        ["GET /health/live"] = new() { Allowed = new(HttpStatusCode.OK, "Healthy") },
        ["GET /health/ready"] = new() { Allowed = new(HttpStatusCode.OK, "Healthy") },
        ["GET /Account/KeepAlive"] = new() { Allowed = new(HttpStatusCode.NoContent) },
        // The refusal page itself: open to anyone signed in, and it says 403.
        ["GET /Account/AccessDenied"] = new() { Allowed = new(HttpStatusCode.Forbidden, AccessDeniedHeading) },
        ["POST /Audit/Verify"] = new() { FormOn = "/Audit", Allowed = new(HttpStatusCode.Redirect, "/Audit") },
        ["POST /Administration/Users/New"] = new()
        {
            FormOn = "/Administration/Users/New",
            Values = _ => Task.FromResult(Fields(("UserName", "new." + Suffix()), ("DisplayName", "Noa New"))),
            Allowed = new(HttpStatusCode.OK, "shown only now"),
        },
        ["POST /Administration/Users/{id:guid}"] = new() { FormOn = "/Administration/Users/{id}" },
        ["POST /Administration/Users/{id:guid}/Deactivate"] = new() { FormOn = "/Administration/Users/{id}" },
        ["POST /Administration/Users/{id:guid}/Reactivate"] = new()
        {
            FormOn = "/Administration/Users/{id}",
            Prepare = c => c.Portal.SqlAsync($"UPDATE account.users SET is_active = false, deactivated_at = now() WHERE id = '{c.Records.UserId}'"),
        },
        ["POST /Administration/Users/{id:guid}/Unlock"] = new()
        {
            FormOn = "/Administration/Users/{id}",
            Prepare = c => c.Portal.SqlAsync($"UPDATE account.users SET lockout_end = now() + interval '1 hour' WHERE id = '{c.Records.UserId}'"),
        },
        ["POST /Administration/Users/{id:guid}/ResetPassword"] = new() { FormOn = "/Administration/Users/{id}", Allowed = new(HttpStatusCode.OK, "shown only now") },
        ["POST /Administration/Users/{id:guid}/EndSessions"] = new() { FormOn = "/Administration/Users/{id}" },
        ["POST /Administration/Users/{id:guid}/ResetTwoFactor"] = new()
        {
            FormOn = "/Administration/Users/{id}",
            Prepare = c => c.Portal.SqlAsync($"UPDATE account.users SET two_factor_enabled = true WHERE id = '{c.Records.UserId}'"),
        },
        ["POST /Administration/Users/{id:guid}/RequirePasswordChange"] = new() { FormOn = "/Administration/Users/{id}" },
        ["POST /Administration/Roles/Matrix"] = new() { FormOn = "/Administration/Roles" },
        ["POST /Administration/Roles"] = new()
        {
            FormOn = "/Administration/Roles",
            Values = _ => Task.FromResult(Fields(("Name", "Made role " + Suffix()), ("Description", "Made by the permission theory"))),
        },
        ["POST /Administration/Roles/{id:guid}"] = new() { FormOn = "/Administration/Roles" },
        // The Delete button sits in the role's own form and posts it elsewhere (formaction).
        ["POST /Administration/Roles/{id:guid}/Delete"] = new() { FormOn = "/Administration/Roles", FormAction = "/Administration/Roles/{id}" },
        ["POST /Administration/Security"] = new() { FormOn = "/Administration/Security" },
        ["POST /Patients/New"] = new() { FormOn = "/Patients/New", Values = _ => Task.FromResult(PatientFields("Newcomb" + Letters())) },
        ["POST /Patients/{id:guid}/Edit"] = new() { FormOn = "/Patients/{id}/Edit" },
        // CareTeams: each case gets a team of its own with one member and one patient (RecordsForAsync).
        ["POST /CareTeams/New"] = new() { FormOn = "/CareTeams/New", Values = _ => Task.FromResult(Fields(("Name", "Case team " + Suffix()))) },
        ["POST /CareTeams/{id:guid}/Edit"] = new() { FormOn = "/CareTeams/{id}/Edit" },
        ["POST /CareTeams/{id:guid}/Members"] = new() { FormOn = "/CareTeams/{id}" },
        ["POST /CareTeams/{id:guid}/Members/Remove"] = new() { FormOn = "/CareTeams/{id}" },
        ["POST /CareTeams/{id:guid}/Members/Default"] = new() { FormOn = "/CareTeams/{id}" },
        ["POST /CareTeams/{id:guid}/Patients"] = new()
        {
            FormOn = "/CareTeams/{id}",
            Prepare = c => c.Portal.SqlAsync($"DELETE FROM access.patient_care_teams WHERE team_id = '{c.Records.TeamId}'"),
            Values = async c => Fields(("RecordNumber", await c.Portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.Id == c.Records.PatientId).Select(p => p.MedicalRecordNumber).SingleAsync()))),
        },
        ["POST /CareTeams/{id:guid}/Patients/Remove"] = new() { FormOn = "/CareTeams/{id}" },
        ["POST /CareTeams/{id:guid}/Review"] = new() { FormOn = "/CareTeams/{id}" },
        ["POST /CareTeams/{id:guid}/Archive"] = new() { FormOn = "/CareTeams/{id}" },
        ["POST /CareTeams/{id:guid}/Restore"] = new()
        {
            FormOn = "/CareTeams/{id}",
            Prepare = c => c.Portal.SqlAsync($"UPDATE access.care_teams SET archived_at = now() WHERE id = '{c.Records.TeamId}'"),
        },
        ["POST /CareTeams/WholePractice"] = new() { FormOn = "/CareTeams/WholePractice" },
        // Clinical notes: sharing, break-the-glass and restricted records. The person leads the patient's care team
        // (RecordsForAsync), so sharing and restricting are theirs to do; the emergency offer sends them to the record.
        ["POST /Sharing/{patientId:guid}/New"] = new()
        {
            FormOn = "/Sharing/{patientId}/New",
            Values = async c => Fields(("GranteeId", (await c.Portal.CreateUserAsync("share." + Suffix(), "Sam Share", PortalFactory.StrongPassword, "Nurse")).Id.ToString()), ("Level", "Read"), ("Reason", "Shared care in the theory"), ("Days", "30")),
        },
        ["POST /Sharing/Grants/{grantId:guid}/Revoke"] = new() { FormOn = "/Sharing/{patientId}/New" },
        ["POST /Sharing/{patientId:guid}/Restrict"] = new() { FormOn = "/Sharing/{patientId}/Restrict", Values = _ => Task.FromResult(Fields(("Reason", "Staff member who is a patient"))) },
        ["POST /Sharing/{patientId:guid}/Unrestrict"] = new()
        {
            FormOn = "/Sharing/{patientId}/Restrict",
            Prepare = c => c.Portal.SqlAsync($"INSERT INTO access.restricted_records (patient_id, reason, restricted_at, restricted_by) VALUES ('{c.Records.PatientId}', 'theory', now(), '{c.Actor.UserId}')"),
        },
        ["POST /Emergency/{patientId:guid}"] = new() { Values = _ => Task.FromResult(Fields(("Reason", "Collapsed in the waiting room"), ("Purpose", "ETREAT"))) },
        // Clinical records: the person is in the patient's care team with a draft of their own, a signed note and a summary line.
        ["POST /Records/{patientId:guid}/Summary"] = new()
        {
            FormOn = "/Records/{patientId}",
            Values = _ => Task.FromResult(Fields(("Summary.Kind", "Allergy"), ("Summary.Text", "Penicillin"), ("Summary.Detail", "Rash"), ("Summary.Severity", "Moderate"))),
        },
        ["POST /Records/{patientId:guid}/Summary/{itemId:guid}/End"] = new() { FormOn = "/Records/{patientId}" },
        ["POST /Records/{patientId:guid}/Notes/New"] = new() { FormOn = "/Records/{patientId}/Notes/New", Values = _ => Task.FromResult(Fields(("Form.Subjective", "Cough for three days"))) },
        // The form reader takes inputs, not textareas: the sections are typed here as a person would.
        ["POST /Records/{patientId:guid}/Notes/{noteId:guid}/Edit"] = new() { FormOn = "/Records/{patientId}/Notes/{noteId}/Edit", Values = _ => Task.FromResult(Fields(("Form.Subjective", "Headache, better today"))) },
        ["POST /Records/{patientId:guid}/Notes/{noteId:guid}/Sign"] = new() { FormOn = "/Records/{patientId}/Notes/{noteId}" },
        ["POST /Records/{patientId:guid}/Notes/{noteId:guid}/Amend"] = new() { FormOn = "/Records/{patientId}/Notes/{noteId}/Amend", Values = _ => Task.FromResult(Fields(("Form.Reason", "Dose corrected"), ("Form.Plan", "Paracetamol 1 g"))) },
        // Appointments, from the clinical side: the case's person is the practitioner of an arrived appointment of the case's patient today.
        ["POST /Records/{patientId:guid}/Appointments/{appointmentId:guid}/Consultation"] = new() { FormOn = "/Records/{patientId}" },
        // Access review: a break-the-glass use and a grant made for each case.
        ["POST /AccessReview/Emergency/{id:guid}/Review"] = new() { FormOn = "/AccessReview/Emergency/{id}/Review", Values = _ => Task.FromResult(Fields(("Outcome", "Appropriate"))) },
        ["POST /AccessReview/Grants/{id:guid}/Revoke"] = new() { FormOn = "/AccessReview/Grants" },
        // Appointments: each case gets a practitioner of its own (hours Monday to Friday, one leave day), a patient and a
        // booked appointment five weeks ahead (RecordsForAsync), so no case's booking takes another's slot.
        ["POST /Appointments/Book"] = new()
        {
            FormOn = "/Appointments/Book?patientId={patientId}&practitionerId={practitionerId}",
            Values = _ => Task.FromResult(Fields(("Form.Date", AppointmentMonday().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), ("Form.Time", "10:00"), ("Form.Minutes", "15"), ("Form.Reason", "Repeat prescription"))),
        },
        ["POST /Appointments/{id:guid}/Move"] = new() { FormOn = "/Appointments/{id}/Move", Values = _ => Task.FromResult(Fields(("Form.Time", "12:00"))) },
        ["POST /Appointments/{id:guid}/Status"] = new() { FormOn = "/Appointments/{id}" },
        ["POST /Appointments/{id:guid}/Cancel"] = new() { FormOn = "/Appointments/{id}", Values = _ => Task.FromResult(Fields(("Cancel.Reason", "Patient phoned"))) },
        ["POST /Appointments/Practitioners"] = new()
        {
            FormOn = "/Appointments/Practitioners",
            Values = async c => Fields(("Form.UserId", (await c.Portal.CreateUserAsync("appt.nurse." + Letters().ToLowerInvariant(), "Nell Nurse", PortalFactory.StrongPassword, "Nurse")).Id.ToString())),
        },
        ["POST /Appointments/Practitioners/{id:guid}"] = new() { FormOn = "/Appointments/Practitioners/{id}" },
        ["POST /Appointments/Practitioners/{id:guid}/Hours"] = new() { FormOn = "/Appointments/Practitioners/{id}", Values = _ => Task.FromResult(Fields(("HoursForm.Day", "Saturday"), ("HoursForm.StartsAt", "09:00"), ("HoursForm.EndsAt", "12:00"))) },
        ["POST /Appointments/Practitioners/{id:guid}/Hours/{hoursId:guid}/Remove"] = new() { FormOn = "/Appointments/Practitioners/{id}" },
        ["POST /Appointments/Practitioners/{id:guid}/Exceptions"] = new()
        {
            FormOn = "/Appointments/Practitioners/{id}",
            Values = _ => Task.FromResult(Fields(("ExceptionForm.Date", AppointmentMonday().AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), ("ExceptionForm.Kind", "Leave"))),
        },
        ["POST /Appointments/Practitioners/{id:guid}/Exceptions/{exceptionId:guid}/Remove"] = new() { FormOn = "/Appointments/Practitioners/{id}" },
        // Billing: each case gets a patient, a fee item and a draft invoice with one line, issued for payments (BillingRecordsAsync).
        ["POST /Billing/Settings"] = new() { FormOn = "/Billing/Settings", Values = _ => Task.FromResult(Fields(("PracticeName", "Theory Practice"), ("Abn", "51 824 753 556"), ("Address", "1 Theory St, Sydney NSW 2000"))) },
        ["POST /Billing/Fees/New"] = new() { FormOn = "/Billing/Fees/New", Values = _ => Task.FromResult(Fields(("Code", "T" + Suffix()), ("Description", "Theory item"), ("Fee", "75.00"))) },
        ["POST /Billing/Fees/{id:guid}/Edit"] = new() { FormOn = "/Billing/Fees/{id}/Edit" },
        ["POST /Billing/Invoices/New"] = new() { FormOn = "/Billing/Invoices?patient={patientId}" },
        ["POST /Billing/Invoices/{id:guid}/Lines"] = new() { FormOn = "/Billing/Invoices/{id}", Values = c => Task.FromResult(Fields(("Line.FeeItemId", c.Records.FeeId.ToString()))) },
        ["POST /Billing/Invoices/{id:guid}/Lines/{lineId:guid}/Remove"] = new() { FormOn = "/Billing/Invoices/{id}" },
        ["POST /Billing/Invoices/{id:guid}/Issue"] = new() { FormOn = "/Billing/Invoices/{id}" },
        ["POST /Billing/Invoices/{id:guid}/Payments"] = new() { FormOn = "/Billing/Invoices/{id}", Values = _ => Task.FromResult(Fields(("Payment.Method", "Card"))) },
        ["POST /Billing/Invoices/{id:guid}/Void"] = new() { FormOn = "/Billing/Invoices/{id}", Values = _ => Task.FromResult(Fields(("Void.Reason", "Raised in error"))) },
        // Documents: the person leads the patient's care team, which has one document (a row; no Nextcloud in this theory,
        // so sending or archiving a file answers 502 with the plain-words problem). The upload form is multipart and
        // streamed: an ordinary form post is refused as malformed (400).
        ["GET /Documents/{patientId:guid}/{documentId:guid}/Download"] = new() { Allowed = new(HttpStatusCode.BadGateway, "Nextcloud") },
        ["GET /Documents/{patientId:guid}/{documentId:guid}/View"] = new() { Allowed = new(HttpStatusCode.BadGateway, "Nextcloud") },
        ["POST /Documents/{patientId:guid}/Upload"] = new() { Allowed = new(HttpStatusCode.BadRequest) },
        ["POST /Documents/{patientId:guid}/{documentId:guid}/Rename"] = new() { FormOn = "/Documents/{patientId}/{documentId}/Rename", Values = _ => Task.FromResult(Fields(("name", "renamed.pdf"))) },
        ["POST /Documents/{patientId:guid}/{documentId:guid}/Archive"] = new() { FormOn = "/Documents/{patientId}", Allowed = new(HttpStatusCode.BadGateway, "Nextcloud cannot be reached") },
        ["POST /Documents/Connection"] = new()
        {
            FormOn = "/Documents/Connection",
            Values = _ => Task.FromResult(Fields(("BaseUrl", "http://127.0.0.1:9/"), ("UserName", "theory"), ("Password", "theory-password"), ("RootFolder", "Theory"))),
            Allowed = new(HttpStatusCode.Redirect, "/Documents/Connection"),
        },
        ["POST /Documents/Connection/Test"] = new()
        {
            FormOn = "/Documents/Connection",
            FormAction = "/Documents/Connection",
            Values = _ => Task.FromResult(Fields(("BaseUrl", "http://127.0.0.1:9/"), ("UserName", "theory"), ("Password", "theory-password"), ("RootFolder", "Theory"))),
            Allowed = new(HttpStatusCode.OK, "Nextcloud cannot be reached"),
        },
        ["POST /Documents/Connection/Integrity"] = new() { FormOn = "/Documents/Connection", Allowed = new(HttpStatusCode.Redirect, "/Documents/Connection") },
    };

    /// <summary>A Monday five weeks or more ahead: a future working day for the appointment cases.</summary>
    private static DateOnly AppointmentMonday()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(35);
        while (day.DayOfWeek != DayOfWeek.Monday)
        {
            day = day.AddDays(1);
        }

        return day;
    }

    /// <summary>
    /// One role of each kind: roles whose declared default rows are the same (Nurse, Allied health and Locum today)
    /// are answered by the same cells, so the first of them stands for the rest. A role given a row of its own joins.
    /// </summary>
    private static IEnumerable<string> RolesWithDistinctDefaults() =>
        PermissionMatrixTests.RoleNames
            .GroupBy(role => string.Join(',', ModuleCatalog.MatrixModules.Select(m => m.DefaultAccess.GetValueOrDefault(role))))
            .Select(kind => kind.First());

    public static IEnumerable<TheoryDataRow<string, string>> EveryRoleAndEndpoint() =>
        from role in RolesWithDistinctDefaults()
        from endpoint in ControllerEndpoints.All().Concat(MappedOutsideControllers)
        select new TheoryDataRow<string, string>(role, endpoint);

    public static IEnumerable<TheoryDataRow<string, string>> EveryRoleAndEndpointOfARecord() =>
        from role in RolesWithDistinctDefaults()
        from endpoint in ControllerEndpoints.All()
        where endpoint.Contains("{id", StringComparison.Ordinal) || endpoint.Contains("{handle", StringComparison.Ordinal)
        select new TheoryDataRow<string, string>(role, endpoint);

    [Fact]
    public void EndpointAndRoleLists_ComparedWithWhatTheAppMapsAndSeeds_MissNone()
    {
        Assert.Equal(portal.SeededRoles.Order(StringComparer.Ordinal), PermissionMatrixTests.RoleNames.Order(StringComparer.Ordinal));

        var mapped = portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {Template(e)}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(mapped, ControllerEndpoints.All().Concat(MappedOutsideControllers).Order(StringComparer.Ordinal));
        Assert.Empty(Scenarios.Keys.Except(mapped, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(EveryRoleAndEndpoint))]
    public Task Request_AsADefaultRole_AnswersAsTheDefaultMatrixSays(string role, string endpoint) =>
        RunAsync(role, endpoint, recordExists: true);

    [Theory]
    [MemberData(nameof(EveryRoleAndEndpointOfARecord))]
    public Task Request_ForARecordThatDoesNotExist_Answers404OnlyToThoseAllowed(string role, string endpoint) =>
        RunAsync(role, endpoint, recordExists: false);

    private async Task RunAsync(string role, string name, bool recordExists)
    {
        var endpoint = Assert.Single(
            portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>(),
            e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Any(m => $"{m} {Template(e)}" == name));
        var method = name[..name.IndexOf(' ', StringComparison.Ordinal)];
        var template = name[(method.Length + 1)..];
        var allowed = DeclaredAccess.Allows(portal.DefaultMatrix, role, endpoint);
        var because = $"{role}, {name} ({DeclaredAccess.Describe(portal.DefaultMatrix, role, endpoint)})";
        if (!Scenarios.TryGetValue(name, out var scenario))
        {
            Assert.True(method == "GET", $"{name} has no scenario: say which page carries its form and what to type into it.");
            scenario = new Scenario();
        }

        var actor = scenario.FreshActor ? await portal.NewActorAsync(role) : await portal.ActorAsync(role);
        var records = await portal.RecordsForAsync(template, actor);
        var context = new CaseContext(portal, actor, records);
        if (allowed && scenario.Prepare is { } prepare)
        {
            await prepare(context);
        }

        var path = Path(template, recordExists ? records : Records.Missing);
        HttpResponseMessage response;
        if (method == "GET")
        {
            response = await actor.Client.GetAsync(new Uri(path, UriKind.Relative));
        }
        else
        {
            var body = allowed && scenario.FormOn is { } formOn
                ? await FormFieldsAsync(actor.Client, Path(formOn, records), Path(scenario.FormAction ?? template, records), Path(template, records), because)
                : new Dictionary<string, string> { [HtmlForm.AntiforgeryField] = await AntiforgeryTokenAsync(actor) };
            foreach (var (field, value) in scenario.Values is { } values ? await values(context) : [])
            {
                body[field] = value;
            }

            response = await actor.Client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(body));
        }

        if (!allowed)
        {
            await AssertRefusedAsync(actor.Client, response, because);
        }
        else if (!recordExists)
        {
            await AssertAnswersAsync(response, new Outcome(HttpStatusCode.NotFound, NotFoundHeading), because);
        }
        else if (scenario.Allowed is { } outcome)
        {
            await AssertAnswersAsync(response, outcome, because);
        }
        else
        {
            await AssertAllowedAsync(response, because);
        }
    }

    private static async Task AssertRefusedAsync(HttpClient client, HttpResponseMessage response, string because)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && LocationOf(response).StartsWith("/Account/AccessDenied", StringComparison.Ordinal),
            $"{because}: should be refused, but answered {(int)response.StatusCode} {LocationOf(response)}");
        var page = await client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(AccessDeniedHeading, HtmlForm.Heading(await page.Content.ReadAsStringAsync()));
    }

    private static async Task AssertAllowedAsync(HttpResponseMessage response, string because)
    {
        var location = LocationOf(response);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Redirect:
                Assert.False(location.StartsWith("/Account/Login", StringComparison.Ordinal) || location.StartsWith("/Account/AccessDenied", StringComparison.Ordinal),
                    $"{because}: should be allowed, but was sent to {location}");
                break;
            case HttpStatusCode.OK when response.Content.Headers.ContentType?.MediaType == "text/html":
                var heading = HtmlForm.Heading(await response.Content.ReadAsStringAsync());
                Assert.False(string.IsNullOrWhiteSpace(heading), $"{because}: the page has no heading");
                Assert.NotEqual(AccessDeniedHeading, heading);
                break;
            case HttpStatusCode.OK:
                Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
                break;
            default:
                Assert.Fail($"{because}: should be allowed, but answered {(int)response.StatusCode} {location} {HtmlForm.Heading(await response.Content.ReadAsStringAsync())} {string.Join("; ", HtmlForm.Errors(await response.Content.ReadAsStringAsync()))}");
                break;
        }
    }

    private static async Task AssertAnswersAsync(HttpResponseMessage response, Outcome outcome, string because)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == outcome.Status,
            $"{because}: expected {(int)outcome.Status} but answered {(int)response.StatusCode} {response.Headers.Location} {HtmlForm.Heading(body)} {string.Join("; ", HtmlForm.Errors(body))}");
        if (outcome.Status == HttpStatusCode.Redirect)
        {
            Assert.Equal(outcome.Shows, LocationOf(response));
        }
        else if (outcome.Shows is { } text)
        {
            Assert.Contains(text, body, StringComparison.Ordinal);
        }
    }

    /// <summary>The form as the page shows it (hidden fields and current values included), checked to post to the endpoint.</summary>
    private static async Task<Dictionary<string, string>> FormFieldsAsync(HttpClient client, string page, string formAction, string endpointPath, string because)
    {
        var response = await client.GetAsync(new Uri(page, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{because}: the page with the form, {page}, answered {(int)response.StatusCode}");
        var form = HtmlForm.Parse(client, html, page, $"form[action='{formAction}']");
        if (formAction != endpointPath)
        {
            Assert.Contains($"formaction=\"{endpointPath}\"", html, StringComparison.Ordinal);
        }

        return form.Fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
    }

    /// <summary>For a post from someone no page offers the form to: a valid token all the same, so only the permission can refuse it.</summary>
    private static async Task<string> AntiforgeryTokenAsync(Actor actor)
    {
        if (actor.AntiforgeryToken is null)
        {
            var html = await actor.Client.GetStringAsync(new Uri("/", UriKind.Relative));
            actor.AntiforgeryToken = HtmlForm.Parse(actor.Client, html, "/", "form[action='/Account/Logout']").Fields[HtmlForm.AntiforgeryField];
        }

        return actor.AntiforgeryToken;
    }

    /// <summary>Where a redirect leads, as a path: the cookie handler writes absolute addresses, MVC relative ones.</summary>
    private static string LocationOf(HttpResponseMessage response) =>
        response.Headers.Location is not { } location ? "" : location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    private static string Template(RouteEndpoint endpoint) => "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');

    private static string Path(string template, Records records) =>
        Regex.Replace(template, @"\{(?<name>\w+)(:[^}]*)?\}", m => m.Groups["name"].Value switch
        {
            "id" when template.StartsWith("/Patients/", StringComparison.Ordinal) => records.PatientId.ToString(),
            "id" when template.StartsWith("/Appointments/Practitioners/", StringComparison.Ordinal) => records.PractitionerId.ToString(),
            "id" when template.StartsWith("/Appointments/", StringComparison.Ordinal) => records.AppointmentId.ToString(),
            "practitionerId" => records.PractitionerId.ToString(),
            "appointmentId" => records.AppointmentId.ToString(),
            "hoursId" => records.HoursId.ToString(),
            "exceptionId" => records.HoursChangeId.ToString(),
            "id" when template.StartsWith("/Administration/Users/", StringComparison.Ordinal) => records.UserId.ToString(),
            "id" when template.StartsWith("/Administration/Roles/", StringComparison.Ordinal) => records.RoleId.ToString(),
            "id" when template.StartsWith("/CareTeams/", StringComparison.Ordinal) => records.TeamId.ToString(),
            "id" when template.StartsWith("/AccessReview/Emergency/", StringComparison.Ordinal) => records.EmergencyId.ToString(),
            "id" when template.StartsWith("/AccessReview/Grants/", StringComparison.Ordinal) => records.GrantId.ToString(),
            "id" when template.StartsWith("/Billing/Fees/", StringComparison.Ordinal) => records.FeeId.ToString(),
            "id" when template.StartsWith("/Billing/Invoices/", StringComparison.Ordinal) => records.InvoiceId.ToString(),
            "lineId" => records.LineId.ToString(),
            "patientId" => records.PatientId.ToString(),
            "grantId" => records.GrantId.ToString(),
            // A signed note to amend; the person's own draft to open, edit and sign.
            "noteId" when template.EndsWith("/Amend", StringComparison.Ordinal) => records.SignedId.ToString(),
            "noteId" => records.DraftId.ToString(),
            "itemId" => records.ItemId.ToString(),
            "documentId" => records.DocumentId.ToString(),
            "handle" => records.SessionHandle,
            "statusCode" => "404",
            var other => throw new InvalidOperationException($"No record to put in {{{other}}} of {template}: add one to the fixture."),
        });

    private static Dictionary<string, string> Fields(params (string Name, string Value)[] fields) =>
        fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> PatientFields(string family) => Fields(
        ("FamilyName", family), ("GivenNames", "Theo"), ("DateOfBirth", "1971-03-04"), ("Sex", "Male"), ("Phone", "0412 345 678"),
        ("Email", "patient@example.org"), ("AddressLine", "1 Example St"), ("Suburb", "Newtown"), ("State", "NSW"), ("Postcode", "2042"),
        ("MedicareNumber", "4950 63445 1"), ("MedicareReference", "1"));

    private static string Suffix() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>Letters only, as names need: each case its own patient, so no duplicate warning stands in the way.</summary>
    private static string Letters() => new(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))).ToArray());

    public sealed class Actor(HttpClient client, Guid userId, string userName)
    {
        public HttpClient Client { get; } = client;

        public Guid UserId { get; } = userId;

        public string UserName { get; } = userName;

        /// <summary>Valid for as long as the person's session and antiforgery cookie: one fetch serves all their cases.</summary>
        public string? AntiforgeryToken { get; set; }
    }

    public sealed record Records(Guid PatientId, Guid UserId, Guid RoleId, string SessionHandle, Guid TeamId = default)
    {
        public static Records Missing { get; } = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "0000000000000000", Guid.NewGuid()) { GrantId = Guid.NewGuid(), EmergencyId = Guid.NewGuid(), DraftId = Guid.NewGuid(), SignedId = Guid.NewGuid(), ItemId = Guid.NewGuid(), AppointmentId = Guid.NewGuid(), PractitionerId = Guid.NewGuid(), HoursId = Guid.NewGuid(), HoursChangeId = Guid.NewGuid(), FeeId = Guid.NewGuid(), InvoiceId = Guid.NewGuid(), LineId = Guid.NewGuid(), DocumentId = Guid.NewGuid() };

        public Guid GrantId { get; init; }

        /// <summary>A document of the patient (Documents module).</summary>
        public Guid DocumentId { get; init; }

        public Guid EmergencyId { get; init; }

        /// <summary>A draft of the person's own on the patient (to edit and sign), a signed note (to amend) and a summary line (to end).</summary>
        public Guid DraftId { get; init; }

        public Guid SignedId { get; init; }

        public Guid ItemId { get; init; }

        /// <summary>Appointments: a booked appointment of a practitioner of the case's own, one of their hours and a leave day.</summary>
        public Guid AppointmentId { get; init; }

        public Guid PractitionerId { get; init; }

        public Guid HoursId { get; init; }

        public Guid HoursChangeId { get; init; }

        /// <summary>Billing: a fee item, a draft invoice (issued for payments) and its line.</summary>
        public Guid FeeId { get; init; }

        public Guid InvoiceId { get; init; }

        public Guid LineId { get; init; }
    }

    public sealed record CaseContext(Portal Portal, Actor Actor, Records Records);

    /// <summary>What an allowed request answers: a redirect to <see cref="Shows"/>, or a page containing it.</summary>
    public sealed record Outcome(HttpStatusCode Status, string? Shows = null);

    public sealed class Scenario
    {
        public string? FormOn { get; init; }

        public string? FormAction { get; init; }

        public Func<CaseContext, Task<Dictionary<string, string>>>? Values { get; init; }

        public Func<CaseContext, Task>? Prepare { get; init; }

        /// <summary>The case changes the person making the request (signs them out, changes their password): use a new one.</summary>
        public bool FreshActor { get; init; }

        public Outcome? Allowed { get; init; }
    }

    /// <summary>One portal for the whole theory: a signed-in holder of each default role, and fresh records for every case.</summary>
    public sealed class Portal : PortalFactory
    {
        private readonly Dictionary<string, Actor> _actors = new(StringComparer.Ordinal);
        private int _people;

        /// <summary>The roles as seeded, read before any case ran.</summary>
        public IReadOnlyList<string> SeededRoles { get; private set; } = [];

        /// <summary>The matrix as seeded, read before any case ran.</summary>
        public MatrixSnapshot DefaultMatrix { get; private set; } = null!;

        public override async ValueTask InitializeAsync()
        {
            await base.InitializeAsync();
            // Past first-run setup, so that pages answer for themselves.
            await CreateUserAsync("theory.first", "Theo First");
            DefaultMatrix = await Services.GetRequiredService<PermissionMatrix>().CurrentAsync();
            SeededRoles = await WithDbAsync(db => db.Roles.Select(r => r.Name!).ToListAsync());
        }

        public async Task<Actor> ActorAsync(string role)
        {
            if (!_actors.TryGetValue(role, out var actor))
            {
                actor = await NewActorAsync(role);
                _actors[role] = actor;
            }

            return actor;
        }

        public async Task<Actor> NewActorAsync(string role)
        {
            var userName = $"actor{++_people}.{PermissionMatrixTests.UserNameFor(role)}";
            var user = await CreateUserAsync(userName, "Ann Actor", StrongPassword, role);
            return new Actor(await SignInAsync(userName), user.Id, userName);
        }

        /// <summary>The records a route needs, made for this case alone, so that one case's change cannot decide another's outcome.</summary>
        public async Task<Records> RecordsForAsync(string template, Actor actor)
        {
            var patientId = Guid.Empty;
            var userId = Guid.Empty;
            var roleId = Guid.Empty;
            var handle = "";
            if (template.StartsWith("/Patients/{id", StringComparison.Ordinal))
            {
                using var scope = Services.CreateScope();
                var form = new EditPatientForm
                {
                    FamilyName = "Record" + Letters(), GivenNames = "Rae", DateOfBirth = new DateOnly(1980, 5, 6), Sex = Sex.Female, Postcode = "2042",
                };
                var outcome = await scope.ServiceProvider.GetRequiredService<PatientService>().RegisterAsync(form, actor.UserId, CancellationToken.None);
                patientId = outcome.Patient!.Id;
            }

            if (template.StartsWith("/Administration/Users/{id", StringComparison.Ordinal))
            {
                userId = (await CreateUserAsync($"target{++_people}", "Tara Target", StrongPassword, "Receptionist")).Id;
            }

            if (template.StartsWith("/Administration/Roles/{id", StringComparison.Ordinal))
            {
                using var scope = Services.CreateScope();
                var role = MedRole.Create("Case role " + Suffix(), "Made for one case of the permission theory");
                await scope.ServiceProvider.GetRequiredService<RoleManager<MedRole>>().CreateAsync(role);
                roleId = role.Id;
            }

            if (template.Contains("{handle}", StringComparison.Ordinal))
            {
                // Another session of the same person, so that ending it leaves the one making the request.
                var before = await HandlesAsync(actor.UserId);
                await SignInAsync(actor.UserName);
                handle = (await HandlesAsync(actor.UserId)).Except(before).Single();
            }

            var teamId = Guid.Empty;
            if (template.StartsWith("/CareTeams/{id", StringComparison.Ordinal))
            {
                // A team with a member (its form to remove them) and a patient; another clinician stays free to add.
                var (member, _) = await CareTeamCliniciansAsync();
                using var scope = Services.CreateScope();
                var form = new EditPatientForm
                {
                    FamilyName = "Team" + Letters(), GivenNames = "Tam", DateOfBirth = new DateOnly(1981, 5, 6), Sex = Sex.Female, Postcode = "2042",
                };
                patientId = (await scope.ServiceProvider.GetRequiredService<PatientService>().RegisterAsync(form, actor.UserId, CancellationToken.None)).Patient!.Id;
                teamId = Guid.NewGuid();
                await SqlAsync($"""
                    INSERT INTO access.care_teams (id, name, created_at, created_by, reviewed_at, reviewed_by) VALUES ('{teamId}', 'Case team {Suffix()}', now(), '{actor.UserId}', now(), '{actor.UserId}');
                    INSERT INTO access.care_team_members (team_id, user_id, is_default_team, added_at, added_by) VALUES ('{teamId}', '{member}', false, now(), '{actor.UserId}');
                    INSERT INTO access.patient_care_teams (patient_id, team_id, assigned_at, assigned_by) VALUES ('{patientId}', '{teamId}', now(), '{actor.UserId}');
                    """);
            }

            var (grantId, emergencyId, draftId, signedId, itemId) = (Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty);
            if (template.StartsWith("/Records/{", StringComparison.Ordinal) || template.StartsWith("/Sharing/", StringComparison.Ordinal) || template.StartsWith("/Emergency/", StringComparison.Ordinal) || template.StartsWith("/AccessReview/", StringComparison.Ordinal))
            {
                (patientId, grantId, emergencyId, draftId, signedId, itemId) = await ClinicalRecordsAsync(actor);
            }

            var appointments = template.StartsWith("/Appointments", StringComparison.Ordinal) ? await AppointmentRecordsAsync(actor) : default;
            if (appointments.Patient != Guid.Empty)
            {
                patientId = appointments.Patient;
            }

            var (feeId, invoiceId, lineId) = (Guid.Empty, Guid.Empty, Guid.Empty);
            if (template.StartsWith("/Billing/", StringComparison.Ordinal) && (template.Contains('{', StringComparison.Ordinal) || template == "/Billing/Invoices/New"))
            {
                (patientId, feeId, invoiceId, lineId) = await BillingRecordsAsync(actor, issued: template.EndsWith("/Payments", StringComparison.Ordinal));
            }

            var documentId = Guid.Empty;
            if (template.StartsWith("/Documents/{", StringComparison.Ordinal))
            {
                (patientId, _, _, _, _, _) = await ClinicalRecordsAsync(actor);
                documentId = Guid.NewGuid();
                await SqlAsync($"""
                    INSERT INTO documents.documents (id, patient_id, file_name, category, media_type, size, sha256, uploaded_by, uploaded_at, remote_path, integrity)
                    VALUES ('{documentId}', '{patientId}', 'theory.pdf', 'Letter', 'application/pdf', 10, '{new string('a', 64)}', '{actor.UserId}', now(), 'MRN/{documentId}.pdf', 'Intact');
                    """);
            }

            if (template.EndsWith("/Consultation", StringComparison.Ordinal))
            {
                appointments = (patientId, actor.UserId, await ConsultationTodayAsync(actor, patientId), Guid.Empty, Guid.Empty);
            }

            return new Records(patientId, userId, roleId, handle, teamId)
            {
                GrantId = grantId, EmergencyId = emergencyId, DraftId = draftId, SignedId = signedId, ItemId = itemId,
                AppointmentId = appointments.Appointment, PractitionerId = appointments.Practitioner, HoursId = appointments.Hours, HoursChangeId = appointments.Change,
                FeeId = feeId, InvoiceId = invoiceId, LineId = lineId, DocumentId = documentId,
            };
        }

        /// <summary>A practitioner of the case's own (a new doctor, Monday to Friday 09:00-17:00, one leave day), a patient, and their booked appointment at 09:00 five weeks ahead.</summary>
        private async Task<(Guid Patient, Guid Practitioner, Guid Appointment, Guid Hours, Guid Change)> AppointmentRecordsAsync(Actor actor)
        {
            var doctor = (await CreateUserAsync("appt.dr." + Letters().ToLowerInvariant(), "Dr Case", StrongPassword, "Doctor")).Id;
            var patient = await Pyboxtech.Med.Tests.Modules.ClinicalNotes.ClinicalAccessSetup.PatientAsync(this, "Appt" + Letters());
            var (appointment, hours, change) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
            var monday = AppointmentMonday().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            await SqlAsync($"""
                INSERT INTO appointments.practitioners (user_id, display_name, default_minutes, is_active, created_at, created_by) VALUES ('{doctor}', 'Dr Case', 15, true, now(), '{actor.UserId}');
                INSERT INTO appointments.working_hours (id, practitioner_id, day_of_week, starts_at, ends_at)
                    SELECT CASE d WHEN 1 THEN '{hours}'::uuid ELSE gen_random_uuid() END, '{doctor}', d, '09:00', '17:00' FROM generate_series(1, 5) d;
                INSERT INTO appointments.hours_changes (id, practitioner_id, date, kind) VALUES ('{change}', '{doctor}', '{monday}'::date + 14, 'Leave');
                INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours)
                    VALUES ('{appointment}', '{patient}', '{doctor}', ('{monday} 09:00'::timestamp AT TIME ZONE 'Australia/Sydney'), ('{monday} 09:15'::timestamp AT TIME ZONE 'Australia/Sydney'), 'Standard', 'Check-up', 'Booked', '{actor.UserId}', now(), false);
                """);
            return (patient, doctor, appointment, hours, change);
        }

        private int _consultations;

        /// <summary>The person as a practitioner, with the patient arrived for a one-minute appointment today (a minute of its own per case).</summary>
        private async Task<Guid> ConsultationTodayAsync(Actor actor, Guid patient)
        {
            var appointment = Guid.NewGuid();
            var minute = Interlocked.Increment(ref _consultations);
            await SqlAsync($"""
                INSERT INTO appointments.practitioners (user_id, display_name, default_minutes, is_active, created_at, created_by) VALUES ('{actor.UserId}', 'Dr Actor', 15, true, now(), '{actor.UserId}') ON CONFLICT DO NOTHING;
                INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours)
                    VALUES ('{appointment}', '{patient}', '{actor.UserId}', date_trunc('minute', now()) + interval '{minute} minutes', date_trunc('minute', now()) + interval '{minute + 1} minutes', 'Standard', 'Check-up', 'Arrived', '{actor.UserId}', now(), false);
                """);
            return appointment;
        }

        private (Guid Member, Guid Candidate)? _careTeamClinicians;

        /// <summary>Two doctors shared by the care-team cases: one in every case's team, one never in any (offered to add).</summary>
        private async Task<(Guid Member, Guid Candidate)> CareTeamCliniciansAsync() =>
            _careTeamClinicians ??= (
                (await CreateUserAsync("team.member", "Tim Member", StrongPassword, "Doctor")).Id,
                (await CreateUserAsync("team.candidate", "Cam Candidate", StrongPassword, "Doctor")).Id);

        /// <summary>A patient in a care team the person leads, a grant of theirs on it to another clinician, and someone's break-the-glass use of it.</summary>
        private async Task<(Guid Patient, Guid Grant, Guid Emergency, Guid Draft, Guid Signed, Guid Item)> ClinicalRecordsAsync(Actor actor)
        {
            var grantee = await GranteeAsync();
            var now = DateTimeOffset.UtcNow;
            return await WithDbAsync(async db =>
            {
                var patient = Patient.Register(now, actor.UserId);
                patient.FamilyName = "Record" + Letters();
                patient.GivenNames = "Rae";
                patient.DateOfBirth = new DateOnly(1980, 5, 6);
                patient.Sex = Sex.Female;
                db.Add(patient);
                var team = new CareTeam { Name = "Case team " + Suffix(), LeadUserId = actor.UserId, CreatedAt = now, CreatedBy = actor.UserId, ReviewedAt = now, ReviewedBy = actor.UserId };
                db.Add(team);
                db.Add(new CareTeamMember { TeamId = team.Id, UserId = actor.UserId, AddedAt = now, AddedBy = actor.UserId });
                db.Add(new PatientCareTeam { PatientId = patient.Id, TeamId = team.Id, AssignedAt = now, AssignedBy = actor.UserId });
                var grant = new AccessGrant { PatientId = patient.Id, GranteeId = grantee, GrantedBy = actor.UserId, Level = AccessLevel.Read, Reason = "Theory", GrantedAt = now, ExpiresAt = now.AddDays(30) };
                db.Add(grant);
                var emergency = new EmergencyAccess { PatientId = patient.Id, UserId = grantee, PurposeOfUse = "ETREAT", Reason = "Collapsed in the waiting room", StartedAt = now, EndsAt = now.AddHours(1) };
                db.Add(emergency);
                var draft = new ClinicalNote { PatientId = patient.Id, AuthorId = actor.UserId, Subjective = "Headache", CreatedAt = now, UpdatedAt = now };
                var signed = new ClinicalNote { PatientId = patient.Id, AuthorId = actor.UserId, Plan = "Paracetamol", CreatedAt = now, UpdatedAt = now };
                signed.Sign(now, actor.UserId);
                var item = new SummaryItem { PatientId = patient.Id, Kind = SummaryKind.Medication, Text = "Metformin 500 mg", RecordedAt = now, RecordedBy = actor.UserId };
                db.AddRange(draft, signed, item);
                await db.SaveChangesAsync();
                return (patient.Id, grant.Id, emergency.Id, draft.Id, signed.Id, item.Id);
            });
        }

        /// <summary>A patient, a fee item and a draft invoice of theirs with one line (issued when <paramref name="issued"/>), made by the billing service itself.</summary>
        private async Task<(Guid Patient, Guid Fee, Guid Invoice, Guid Line)> BillingRecordsAsync(Actor actor, bool issued)
        {
            var (patientId, feeId) = await WithDbAsync(async db =>
            {
                var patient = Patient.Register(DateTimeOffset.UtcNow, actor.UserId);
                patient.FamilyName = "Billed" + Letters();
                patient.GivenNames = "Bo";
                patient.DateOfBirth = new DateOnly(1982, 5, 6);
                patient.Sex = Sex.Male;
                var fee = new FeeItem { Code = "K" + Suffix().ToUpperInvariant(), Description = "Case item", Fee = 80.00m, GstApplicable = true };
                db.AddRange(patient, fee);
                await db.SaveChangesAsync();
                return (patient.Id, fee.Id);
            });
            using var scope = Services.CreateScope();
            var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
            var invoiceId = (await billing.CreateDraftAsync(patientId, null, actor.UserId, CancellationToken.None))!.Value;
            await billing.AddLineAsync(invoiceId, new AddLineForm { FeeItemId = feeId, Quantity = 1 }, CancellationToken.None);
            var (lineId, version) = await WithDbAsync(async db => (
                await db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoiceId).Select(l => l.Id).SingleAsync(),
                await db.Set<Invoice>().Where(i => i.Id == invoiceId).Select(i => i.Version).SingleAsync()));
            if (issued)
            {
                await billing.IssueAsync(invoiceId, version, actor.UserId, CancellationToken.None);
            }

            return (patientId, feeId, invoiceId, lineId);
        }

        /// <summary>A nurse to share records with (and who broke the glass), the same for every case.</summary>
        public async Task<Guid> GranteeAsync() =>
            await WithDbAsync(db => db.Users.Where(u => u.UserName == "theory.grantee").Select(u => (Guid?)u.Id).FirstOrDefaultAsync())
            ?? (await CreateUserAsync("theory.grantee", "Gina Grantee", StrongPassword, "Nurse")).Id;

        public Task SqlAsync(string sql) => PostgresServer.ExecuteAsync(Database.SuperuserConnection, sql);

        /// <summary>The code the person's authenticator app shows now, or <paramref name="stepsAhead"/> 30-second steps from now.</summary>
        public async Task<string> TotpCodeAsync(Guid userId, int stepsAhead)
        {
            var user = await WithDbAsync(db => db.Users.SingleAsync(u => u.Id == userId));
            var key = Services.GetRequiredService<TotpService>().Base32Secret(user);
            return new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));
        }

        public async Task EnableTwoFactorAsync(Actor actor)
        {
            var form = await HtmlForm.LoadAsync(actor.Client, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
            var response = await form.SubmitAsync(new() { ["Code"] = await TotpCodeAsync(actor.UserId, 0) });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        private async Task<List<string>> HandlesAsync(Guid userId)
        {
            using var scope = Services.CreateScope();
            var sessions = await Services.GetRequiredService<SessionStore>().OpenSessionsAsync(scope.ServiceProvider.GetRequiredService<MedDbContext>(), userId);
            return sessions.Select(s => s.Handle).ToList();
        }
    }
}
