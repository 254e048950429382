using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.ClinicalNotes;

namespace Pyboxtech.Med.Tests.Modules.Documents;

/// <summary>
/// The clinical record page links to the patient's documents only for people whom the Documents row of the matrix
/// lets read them: a doctor (write), a nurse or locum (read); a student reads records but not documents, a
/// receptionist neither.
/// </summary>
public sealed class DocumentsLinkTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private readonly string _suffix = ClinicalAccessSetup.Suffix();
    private Guid _patient;
    private readonly Dictionary<string, string> _users = [];

    public async ValueTask InitializeAsync()
    {
        _patient = await ClinicalAccessSetup.PatientAsync(portal, "Enlazada");
        var members = new List<Guid>();
        Guid lead = Guid.Empty;
        foreach (var role in new[] { "Doctor", "Nurse", "Locum", "Student or researcher", "Receptionist" })
        {
            var userName = $"{role.Split(' ')[0].ToLowerInvariant()}.link.{_suffix}";
            var user = await ClinicalAccessSetup.UserAsync(portal, userName, $"{role} Link", role);
            _users[role] = userName;
            if (role == "Doctor")
            {
                lead = user.Id;
            }
            else
            {
                members.Add(user.Id);
            }
        }

        await ClinicalAccessSetup.TeamAsync(portal, $"Link team {_suffix}", lead, [.. members], [_patient]);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("Doctor")]
    [InlineData("Nurse")]
    [InlineData("Locum")]
    public async Task RecordPage_ForSomeoneWithDocumentsRead_LinksToThePatientsDocuments(string role)
    {
        var client = await portal.SignInAsync(_users[role]);

        var record = await client.GetAsync($"/Records/{_patient}");

        Assert.Equal(HttpStatusCode.OK, record.StatusCode);
        var html = await record.Content.ReadAsStringAsync();
        Assert.Contains($"href=\"/Documents/{_patient}\" data-testid=\"documents-link\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/Documents/{_patient}")).StatusCode);
    }

    [Fact]
    public async Task RecordPage_ForAStudentWhoReadsRecordsButNotDocuments_HasNoDocumentsLink()
    {
        var client = await portal.SignInAsync(_users["Student or researcher"]);

        var record = await client.GetAsync($"/Records/{_patient}");

        Assert.Equal(HttpStatusCode.OK, record.StatusCode);
        Assert.DoesNotContain("documents-link", await record.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receptionist_GetsNoDocumentsLink_OnTheRecordOrThePatientPage()
    {
        var client = await portal.SignInAsync(_users["Receptionist"]);

        var record = await client.GetAsync($"/Records/{_patient}");
        var patient = await client.GetAsync($"/Patients/{_patient}");

        Assert.NotEqual(HttpStatusCode.OK, record.StatusCode);
        Assert.DoesNotContain($"/Documents/{_patient}", await record.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, patient.StatusCode);
        Assert.DoesNotContain($"/Documents/{_patient}", await patient.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
