using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>
/// Issue 16 in Chromium, as people do it: the practice manager sets up a care team on its pages; a doctor of the team
/// writes, signs and amends a note; a doctor outside it is refused, breaks the glass and reads under the red banner; the
/// practice manager reviews that use; the first doctor shares the record with a third, who reads it by the grant until
/// it is revoked.
/// </summary>
public sealed class ClinicalJourneyTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = PortalFactory.StrongPassword;

    [Fact]
    public async Task CareTeamNoteAmendment_EmergencyAccessReviewed_GrantSharedThenRevoked()
    {
        await portal.CreateUserAsync("pm.ruth", "Ruth Manager", Password, DefaultRoles.PracticeManager);
        await portal.CreateUserAsync("dr.ada", "Dr Ada Lim", Password, DefaultRoles.Doctor);
        await portal.CreateUserAsync("dr.ben", "Dr Ben Ortiz", Password, DefaultRoles.Doctor);
        await portal.CreateUserAsync("dr.cai", "Dr Cai Novak", Password, DefaultRoles.Doctor);

        // Dr Lim registers the patient at the front desk's page; with no default team, nobody's team cares for her yet.
        var ada = await SignedInAsync("dr.ada");
        await ada.GetByRole(AriaRole.Link, new() { Name = "Patients", Exact = true }).First.ClickAsync();
        await ada.GetByRole(AriaRole.Link, new() { Name = "Register a patient" }).ClickAsync();
        await ada.GetByLabel("Family name").FillAsync("Okafor");
        await ada.GetByLabel("Given names").FillAsync("Grace");
        await ada.GetByLabel("Date of birth").FillAsync("1958-04-02");
        await ada.GetByLabel("Sex").SelectOptionAsync("Female");
        await ada.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        var mrn = await ada.GetByTestId("mrn").InnerTextAsync();

        // The practice manager: a new team, Dr Lim in it, the patient assigned by her record number.
        var manager = await SignedInAsync("pm.ruth");
        await manager.GetByRole(AriaRole.Link, new() { Name = "Care teams" }).First.ClickAsync();
        await manager.GetByRole(AriaRole.Link, new() { Name = "New team" }).ClickAsync();
        await manager.GetByLabel("Name").FillAsync("Heart failure clinic");
        await manager.GetByLabel("Description (optional)").FillAsync("Tuesday clinic, cardiology follow-up.");
        await ShotAsync(manager, "clinical-team-new");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await Assertions.Expect(manager.GetByTestId("team-name")).ToHaveTextAsync("Heart failure clinic");
        await manager.GetByLabel("Add a member").SelectOptionAsync(new SelectOptionValue { Label = "Dr Ada Lim (dr.ada)" });
        await manager.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        await Assertions.Expect(manager.GetByTestId("member-row")).ToContainTextAsync("Dr Ada Lim");
        await manager.GetByLabel("Assign a patient by record number").FillAsync(mrn);
        await manager.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        await Assertions.Expect(manager.GetByTestId("patient-row")).ToContainTextAsync(mrn);
        await ShotAsync(manager, "clinical-team-details");

        // Dr Lim: from the patient's page to her clinical record, as a member of the team.
        await ada.GotoAsync(portal.BaseAddress + "/Patients?q=okafor");
        await ada.GetByTestId("patient-row").GetByRole(AriaRole.Link).First.ClickAsync();
        await ada.GetByTestId("clinical-record-link").ClickAsync();
        await Assertions.Expect(ada.GetByTestId("patient-name")).ToHaveTextAsync("Grace OKAFOR");
        await Assertions.Expect(ada.GetByTestId("basis")).ToHaveTextAsync("You see this record as a member of Heart failure clinic.");
        var record = ada.Url;
        await ShotAsync(ada, "clinical-record-empty");

        // A SOAP note: a draft first, only hers; then signed.
        await ada.GetByTestId("new-note").ClickAsync();
        await ada.GetByLabel("Subjective").FillAsync("Breathless climbing one flight of stairs for two weeks.");
        await ada.GetByLabel("Objective").FillAsync("BP 142/88, pulse 96 irregular, bibasal crackles, ankle oedema.");
        await ada.GetByLabel("Assessment").FillAsync("Decompensated heart failure, new atrial fibrillation.");
        await ada.GetByLabel("Plan").FillAsync("Furosemide 40 mg mane. ECG and echo this week. Review in 7 days.");
        await ShotAsync(ada, "clinical-note-form");
        await ada.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Assertions.Expect(ada.GetByTestId("notice")).ToContainTextAsync("saved as a draft");
        await Assertions.Expect(ada.GetByTestId("status")).ToContainTextAsync("Draft, not signed");
        await ShotAsync(ada, "clinical-note-draft");
        await ada.GetByTestId("sign-form").GetByRole(AriaRole.Button, new() { Name = "Sign" }).ClickAsync();
        await Assertions.Expect(ada.GetByTestId("notice")).ToContainTextAsync("The note is signed.");
        await Assertions.Expect(ada.GetByTestId("status")).ToContainTextAsync("Signed by Dr Ada Lim");
        await Assertions.Expect(ada.GetByTestId("status")).ToContainTextAsync("Current version");

        // The amendment: the dose was wrong; a reason, then signed in its turn.
        await ada.GetByTestId("amend").ClickAsync();
        await ada.GetByLabel("Reason for the amendment").FillAsync("Wrong furosemide dose written");
        await ada.GetByLabel("Plan").FillAsync("Furosemide 80 mg mane. ECG and echo this week. Review in 7 days.");
        await ShotAsync(ada, "clinical-note-amend");
        await ada.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Assertions.Expect(ada.GetByTestId("amends")).ToContainTextAsync("Wrong furosemide dose written");
        await ada.GetByTestId("sign-form").GetByRole(AriaRole.Button, new() { Name = "Sign" }).ClickAsync();
        await Assertions.Expect(ada.GetByTestId("status")).ToContainTextAsync("Current version");
        await ShotAsync(ada, "clinical-note-amendment-signed");

        // The record: both versions, the newer marked as an amendment, the older as amended, each with who and when.
        await ada.GetByRole(AriaRole.Link, new() { Name = "Back to the record" }).ClickAsync();
        var notes = ada.GetByTestId("note");
        await Assertions.Expect(notes).ToHaveCountAsync(2);
        await Assertions.Expect(notes.Nth(0).GetByTestId("amendment")).ToBeVisibleAsync();
        await Assertions.Expect(notes.Nth(0)).ToContainTextAsync("Dr Ada Lim");
        await Assertions.Expect(notes.Nth(0).GetByTestId("plan")).ToHaveTextAsync("Furosemide 80 mg mane. ECG and echo this week. Review in 7 days.");
        await Assertions.Expect(notes.Nth(1).GetByTestId("amended-by")).ToContainTextAsync("Amended by Dr Ada Lim on ");
        await Assertions.Expect(notes.Nth(1).GetByTestId("plan")).ToContainTextAsync("Furosemide 40 mg");
        foreach (var note in new[] { notes.Nth(0), notes.Nth(1) })
        {
            await Assertions.Expect(note.GetByTestId("status")).ToHaveTextAsync(new Regex(@"^Signed \d"));
        }

        await ShotAsync(ada, "clinical-record-two-versions");

        // Dr Ortiz, outside the team: the same way in, refused with the emergency offer.
        var ben = await SignedInAsync("dr.ben");
        await ben.GotoAsync(portal.BaseAddress + "/Patients?q=okafor");
        await ben.GetByTestId("patient-row").GetByRole(AriaRole.Link).First.ClickAsync();
        var refused = await ben.RunAndWaitForResponseAsync(() => ben.GetByTestId("clinical-record-link").ClickAsync(), record);
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);
        await Assertions.Expect(ben.Locator("h1")).ToHaveTextAsync("No access to this record");
        Assert.DoesNotContain("furosemide", await ben.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        await ShotAsync(ben, "clinical-no-basis");
        await ben.GetByTestId("emergency-link").ClickAsync();
        await ben.GetByLabel("Emergency treatment").CheckAsync();
        await ben.GetByLabel("Why you need this record now").FillAsync("Too short");
        await ben.GetByRole(AriaRole.Button, new() { Name = "Open the record in an emergency" }).ClickAsync();
        await Assertions.Expect(ben.GetByTestId("form-errors")).ToContainTextAsync("at least 15 characters");
        await ShotAsync(ben, "clinical-emergency-refused");
        await ben.GetByLabel("Emergency treatment").CheckAsync();
        await ben.GetByLabel("Why you need this record now").FillAsync("Collapsed in the waiting room, Dr Lim away today");
        await ben.GetByRole(AriaRole.Button, new() { Name = "Open the record in an emergency" }).ClickAsync();
        await ben.WaitForURLAsync(record);
        var banner = ben.GetByTestId("basis");
        await Assertions.Expect(banner).ToHaveAttributeAsync("role", "alert");
        await Assertions.Expect(banner).ToHaveClassAsync(new Regex(@"\balert-danger\b"));
        await Assertions.Expect(banner).ToHaveTextAsync(new Regex(
            @"^\s*Emergency access for emergency treatment, until .+\. Every page you open is recorded and will be reviewed\.\s*$"));
        Assert.Equal(1, await ben.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Emergency access for" }).CountAsync());
        await Assertions.Expect(ben.GetByTestId("note")).ToHaveCountAsync(2);
        // Sharing is for the care team: the emergency reader is not offered it.
        Assert.Equal(0, await ben.GetByTestId("share").CountAsync());
        await ShotAsync(ben, "clinical-record-emergency");

        // The practice manager's queue: the use, with its reason, reviewed as appropriate with a note.
        await manager.GetByRole(AriaRole.Link, new() { Name = "Access review" }).First.ClickAsync();
        var use = manager.GetByTestId("unreviewed-row");
        await Assertions.Expect(use).ToHaveCountAsync(1);
        await Assertions.Expect(use).ToContainTextAsync(mrn);
        await Assertions.Expect(use).ToContainTextAsync("Emergency treatment");
        await Assertions.Expect(use).ToContainTextAsync("Collapsed in the waiting room");
        await ShotAsync(manager, "clinical-access-review-queue");
        await use.GetByRole(AriaRole.Link, new() { Name = $"Review the use by Dr Ben Ortiz (dr.ben) of {mrn}" }).ClickAsync();
        await manager.GetByLabel("Appropriate", new() { Exact = true }).CheckAsync();
        await manager.GetByLabel("Note").FillAsync("Confirmed with the nurse on duty: patient collapsed at 10:05.");
        await ShotAsync(manager, "clinical-access-review-form");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Record the review" }).ClickAsync();
        await Assertions.Expect(manager.GetByTestId("notice")).ToHaveTextAsync("The review is recorded.");
        await Assertions.Expect(manager.GetByTestId("queue-empty")).ToBeVisibleAsync();
        var reviewed = manager.GetByTestId("reviewed-row");
        await Assertions.Expect(reviewed).ToContainTextAsync("Appropriate");
        await Assertions.Expect(reviewed).ToContainTextAsync("Confirmed with the nurse on duty");
        await Assertions.Expect(reviewed).ToContainTextAsync("Ruth Manager");
        await ShotAsync(manager, "clinical-access-review-done");

        // Dr Lim shares the record with Dr Novak, to read.
        await ada.GetByTestId("share").ClickAsync();
        await ada.GetByLabel("Share with").SelectOptionAsync(new SelectOptionValue { Label = "Dr Cai Novak (dr.cai)" });
        await ada.GetByLabel("Read the record").CheckAsync();
        await ada.GetByLabel("Reason").FillAsync("Second opinion on rate control before the echo");
        await ShotAsync(ada, "clinical-share-form");
        await ada.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await ada.WaitForURLAsync(record);
        await Assertions.Expect(ada.GetByTestId("notice")).ToHaveTextAsync("The record is shared.");
        await Assertions.Expect(ada.GetByTestId("grant")).ToContainTextAsync("Dr Cai Novak, by Dr Ada Lim");
        await Assertions.Expect(ada.GetByTestId("grant")).ToContainTextAsync("read only");

        // Dr Novak finds it on the dashboard and on the list, and reads it by the grant.
        var cai = await SignedInAsync("dr.cai");
        var panel = cai.GetByTestId("shared-with-me-panel");
        await Assertions.Expect(panel).ToContainTextAsync("Grace OKAFOR");
        await Assertions.Expect(panel).ToContainTextAsync("by Dr Ada Lim");
        await ShotAsync(cai, "clinical-dashboard-shared");
        await panel.GetByRole(AriaRole.Link, new() { Name = "Open the list" }).ClickAsync();
        await Assertions.Expect(cai.GetByTestId("shared-row")).ToContainTextAsync("Dr Ada Lim");
        await Assertions.Expect(cai.GetByTestId("shared-row")).ToContainTextAsync("Read the record");
        await ShotAsync(cai, "clinical-shared-with-me");
        await cai.GetByTestId("shared-row").GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(cai.GetByTestId("basis")).ToHaveTextAsync(new Regex(@"^\s*You see this record by a grant from Dr Ada Lim until .+\.\s*$"));
        await Assertions.Expect(cai.GetByTestId("note")).ToHaveCountAsync(2);
        // Read only: nothing to write with.
        Assert.Equal(0, await cai.GetByTestId("new-note").CountAsync());
        Assert.Equal(0, await cai.GetByTestId("share").CountAsync());
        await ShotAsync(cai, "clinical-record-by-grant");

        // Dr Lim revokes; Dr Novak's next request for the record is refused.
        await ada.GotoAsync(record);
        await ada.GetByTestId("grant").GetByRole(AriaRole.Button, new() { Name = "Revoke the grant to Dr Cai Novak" }).ClickAsync();
        await Assertions.Expect(ada.GetByTestId("notice")).ToContainTextAsync("The grant is revoked");
        await Assertions.Expect(ada.GetByTestId("grant")).ToHaveCountAsync(0);
        var after = await cai.ReloadAsync();
        Assert.Equal((int)HttpStatusCode.Forbidden, after!.Status);
        await Assertions.Expect(cai.Locator("h1")).ToHaveTextAsync("No access to this record");
        Assert.DoesNotContain("furosemide", await cai.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        await cai.GotoAsync(portal.BaseAddress + "/Sharing/SharedWithMe");
        await Assertions.Expect(cai.GetByTestId("nothing-shared")).ToBeVisibleAsync();
        await ShotAsync(cai, "clinical-grant-revoked");
    }

    private async Task<IPage> SignedInAsync(string userName)
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        await portal.SignInAsync(page, userName, Password);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, name + ".png"), FullPage = true });
}
