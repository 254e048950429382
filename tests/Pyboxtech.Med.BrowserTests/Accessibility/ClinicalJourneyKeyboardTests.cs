using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;
using static Pyboxtech.Med.BrowserTests.Accessibility.KeyboardJourneyTests;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// A doctor of the patient's care team writes and signs a note by keyboard only (Tab, Enter, typing; the record is opened
/// by its address as a person types it): after each submit the test asserts where the focus landed.
/// </summary>
public sealed class ClinicalJourneyKeyboardTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task WritingAndSigningANote_ByKeyboardOnly()
    {
        var doctor = await portal.CreateUserAsync("kb.doctor", "Dr Kim Keys", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        var patient = await ClinicalSetup.PatientAsync(portal, "Tran");
        await ClinicalSetup.TeamAsync(portal, "Keyboard clinic", doctor.Id, patient);
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await SignInByKeyboardAsync(portal, page, "kb.doctor", PortalFactory.StrongPassword);
        await page.WaitForURLAsync(portal.BaseAddress + "/");

        // The record: the skip link first, then on to "New note".
        await page.GotoAsync(portal.BaseAddress + $"/Records/{patient}");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
        await TabToAsync(page, "[data-testid='new-note']");
        await page.AfterNextLoadAsync(() => page.Keyboard.PressAsync("Enter"));
        await page.WaitForURLAsync($"**/Records/{patient}/Notes/New");

        // Saved with nothing written: the error summary takes the focus; its link leads to the first section.
        await SubmitByEnterAsync(page, "[data-testid='note-form'] button[type='submit']");
        await AssertFocusAsync(page, "#form-errors");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, "#form-errors a[data-field-link]");
        await page.Keyboard.PressAsync("Enter");
        await AssertFocusAsync(page, "#Form_Subjective");

        // The four sections in order, each reached by one Tab; Enter in a section is a new line, so the button saves.
        await page.Keyboard.TypeAsync("Dizzy on standing since Monday.");
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.TypeAsync("No falls.");
        await TypeInNextAsync(page, "#Form_Objective", "Lying BP 138/80, standing 112/70.");
        await TypeInNextAsync(page, "#Form_Assessment", "Postural hypotension, likely from the new amlodipine.");
        await TypeInNextAsync(page, "#Form_Plan", "Stop amlodipine. Recheck standing BP in one week.");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, "[data-testid='note-form'] button[type='submit']");
        await SubmitByEnterAsync(page);
        await page.WaitForURLAsync($"**/Records/{patient}/Notes/*");
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("saved as a draft");
        await Assertions.Expect(page.GetByTestId("status")).ToContainTextAsync("Draft, not signed");
        Assert.Contains("Dizzy on standing since Monday.\nNo falls.", await page.Locator(".soap dd").First.InnerTextAsync(), StringComparison.Ordinal);

        // Signing: the page starts from the top again, and Tab reaches the Sign button.
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
        await SubmitByEnterAsync(page, "[data-testid='sign-form'] button[type='submit']");
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("The note is signed.");
        await Assertions.Expect(page.GetByTestId("status")).ToContainTextAsync("Signed by Dr Kim Keys");
        Assert.Equal(0, await page.GetByTestId("sign-form").CountAsync());

        // Back to the record by keyboard: the signed note is there.
        await TabToAsync(page, $"a[href='/Records/{patient}'].btn-link");
        await page.AfterNextLoadAsync(() => page.Keyboard.PressAsync("Enter"));
        await Assertions.Expect(page.GetByTestId("note")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("note").GetByTestId("plan")).ToHaveTextAsync("Stop amlodipine. Recheck standing BP in one week.");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
    }
}
