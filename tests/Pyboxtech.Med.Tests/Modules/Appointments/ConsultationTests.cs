using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Appointments;

namespace Pyboxtech.Med.Tests.Modules.Appointments;

/// <summary>
/// The doctor sees today's appointment on the patient's record and starts and completes the consultation there (the
/// clinical side owns the act: Clinical notes Write and a basis for the patient, and only their own appointment).
/// </summary>
public sealed class ConsultationTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private Guid _receptionId;

    public async ValueTask InitializeAsync() =>
        _receptionId = (await ClinicalAccessSetup.UserAsync(portal, "consult.desk", "Cora Desk", "Receptionist")).Id;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Practitioner_StartsAndCompletesTheirOwnAppointmentFromTheRecord_KeptInHistoryAndAudited()
    {
        var (doctor, patient) = await DoctorWithPatientAsync();
        var appointment = await ArrivedTodayAsync(doctor, patient);
        var client = await portal.SignInAsync(await UserNameAsync(doctor));

        var record = await client.GetStringAsync($"/Records/{patient}");
        var line = new HtmlParser().ParseDocument(record).QuerySelector("[data-testid=consultation-status]")!.TextContent;
        Assert.StartsWith("Today ", line, StringComparison.Ordinal);
        Assert.EndsWith("— Arrived", line, StringComparison.Ordinal);
        // My day links the patient to this record.
        Assert.Contains($"href=\"/Records/{patient}\"", await client.GetStringAsync("/"), StringComparison.Ordinal);

        var before = await portal.LastAuditSequenceAsync();
        var start = await HtmlForm.LoadAsync(client, $"/Records/{patient}", "[data-testid=start-consultation]");
        Assert.Equal(HttpStatusCode.Redirect, (await start.SubmitAsync([])).StatusCode);
        Assert.Equal(AppointmentStatus.InConsultation, await StatusAsync(appointment));
        var complete = await HtmlForm.LoadAsync(client, $"/Records/{patient}", "[data-testid=complete-consultation]");
        Assert.Equal(HttpStatusCode.Redirect, (await complete.SubmitAsync([])).StatusCode);

        Assert.Equal(AppointmentStatus.Completed, await StatusAsync(appointment));
        var history = await portal.WithDbAsync(db => db.Set<AppointmentStatusChange>().Where(c => c.AppointmentId == appointment && c.FromStatus != c.ToStatus)
            .OrderBy(c => c.ChangedAt).Select(c => new { c.ToStatus, c.ChangedBy }).ToListAsync());
        Assert.Equal([AppointmentStatus.InConsultation, AppointmentStatus.Completed], history.Select(h => h.ToStatus));
        Assert.All(history, h => Assert.Equal(doctor, h.ChangedBy));
        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => r.EventType == AppointmentsModule.StatusChanged).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal((patient.ToString(), doctor), (r.SubjectId, r.UserId!.Value)));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.AccessBasis)));
        Assert.Contains("Completed", await client.GetStringAsync($"/Records/{patient}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherDoctorWithABasisForThePatient_CannotMarkTheAppointment_404AndNothingChanged()
    {
        var (doctor, patient) = await DoctorWithPatientAsync();
        var appointment = await ArrivedTodayAsync(doctor, patient);
        var own = await HtmlForm.LoadAsync(await portal.SignInAsync(await UserNameAsync(doctor)), $"/Records/{patient}", "[data-testid=complete-consultation]");
        var other = await ClinicalAccessSetup.UserAsync(portal, "dr.other." + ClinicalAccessSetup.Suffix(), "Dr Otto Other", "Doctor");
        await ClinicalAccessSetup.TeamAsync(portal, "Other team " + ClinicalAccessSetup.Suffix(), other.Id, [other.Id], [patient]);
        var otherClient = await portal.SignInAsync(other.UserName!);

        // Their own record page shows no button for someone else's appointment...
        var page = await otherClient.GetAsync(new Uri($"/Records/{patient}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("data-testid=\"consultation\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // ...and the doctor's form, posted by them, is refused.
        var response = await otherClient.PostAsync(new Uri($"/Records/{patient}/Appointments/{appointment}/Consultation", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [HtmlForm.AntiforgeryField] = await AntiforgeryAsync(otherClient, patient), ["Step"] = "Complete", ["Version"] = own.Fields["Version"],
        }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(AppointmentStatus.Arrived, await StatusAsync(appointment));
    }

    [Fact]
    public async Task Receptionist_CannotReachTheConsultationEndpoint()
    {
        var (doctor, patient) = await DoctorWithPatientAsync();
        var appointment = await ArrivedTodayAsync(doctor, patient);
        var reception = await portal.SignInAsync("consult.desk");

        var token = (await HtmlForm.LoadAsync(reception, "/", "form[action='/Account/Logout']")).Fields[HtmlForm.AntiforgeryField];
        var version = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == appointment).Select(a => a.Version).SingleAsync());

        var response = await reception.PostAsync(new Uri($"/Records/{patient}/Appointments/{appointment}/Consultation", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [HtmlForm.AntiforgeryField] = token, ["Step"] = "Complete", ["Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.PathAndQuery : response.Headers.Location.OriginalString, StringComparison.Ordinal);
        Assert.Equal(AppointmentStatus.Arrived, await StatusAsync(appointment));
    }

    [Fact]
    public async Task StaleOrReplayedForm_IsRefusedWith409AndChangesNothing()
    {
        var (doctor, patient) = await DoctorWithPatientAsync();
        var appointment = await ArrivedTodayAsync(doctor, patient);
        var client = await portal.SignInAsync(await UserNameAsync(doctor));
        var start = await HtmlForm.LoadAsync(client, $"/Records/{patient}", "[data-testid=start-consultation]");
        var complete = await HtmlForm.LoadAsync(client, $"/Records/{patient}", "[data-testid=complete-consultation]");
        Assert.Equal(HttpStatusCode.Redirect, (await start.SubmitAsync([])).StatusCode);

        // The same button again (replayed), and the other button from the page opened before the start (stale).
        var replayed = await start.SubmitAsync([]);
        var stale = await complete.SubmitAsync([]);
        var forged = await start.SubmitAsync(new() { ["Step"] = "Cancelled" });

        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("Nothing was changed", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(AppointmentStatus.InConsultation, await StatusAsync(appointment));
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<AppointmentStatusChange>().CountAsync(c => c.AppointmentId == appointment && c.ToStatus == AppointmentStatus.InConsultation)));
    }

    /// <summary>A doctor who is a practitioner, in a care team with a new patient of their own.</summary>
    private async Task<(Guid Doctor, Guid Patient)> DoctorWithPatientAsync()
    {
        var suffix = ClinicalAccessSetup.Suffix();
        var doctor = await ClinicalAccessSetup.UserAsync(portal, "dr.consult." + suffix, "Dr Cass Consult " + suffix, "Doctor");
        var patient = await ClinicalAccessSetup.PatientAsync(portal, "Consulted" + suffix);
        await ClinicalAccessSetup.TeamAsync(portal, "Consult team " + suffix, doctor.Id, [doctor.Id], [patient]);
        await portal.WithDbAsync(async db =>
        {
            db.Add(new Practitioner { UserId = doctor.Id, DisplayName = doctor.DisplayName, IsActive = true, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = _receptionId });
            return await db.SaveChangesAsync();
        });
        return (doctor.Id, patient);
    }

    /// <summary>An appointment starting now (today in the clinic's zone), the patient already arrived.</summary>
    private async Task<Guid> ArrivedTodayAsync(Guid doctor, Guid patient)
    {
        var id = Guid.NewGuid();
        var start = DateTimeOffset.UtcNow;
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours) VALUES ('{id}', '{patient}', '{doctor}', '{start.UtcDateTime:O}', '{start.AddMinutes(15).UtcDateTime:O}', 'Standard', 'Check-up', 'Arrived', '{_receptionId}', now(), false)");
        return id;
    }

    private static async Task<string> AntiforgeryAsync(HttpClient client, Guid patient) =>
        (await HtmlForm.LoadAsync(client, $"/Records/{patient}", "form[method=post]")).Fields[HtmlForm.AntiforgeryField];

    private Task<string> UserNameAsync(Guid id) => portal.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.Id == id)).UserName!);

    private Task<AppointmentStatus> StatusAsync(Guid id) =>
        portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Status).SingleAsync());
}
