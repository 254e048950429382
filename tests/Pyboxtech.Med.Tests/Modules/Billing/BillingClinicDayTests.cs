using System.Globalization;
using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Modules.Billing;

/// <summary>
/// The day's takings and payment dates are the clinic's local dates (Australia/Sydney), not the server's UTC: at
/// 14:30 UTC it is already past midnight of the next day in Sydney.
/// </summary>
public sealed class BillingClinicDayTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>
{
    [Fact]
    public async Task Payment_JustAfterMidnightInSydney_CountsForTheClinicsDateNotUtcs()
    {
        // Two days ahead of the real clock (a fake clock cannot go back): at 14:30 UTC Sydney (UTC+10 or +11) is past midnight.
        var utcDay = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
        string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var (utcDate, sydneyDate, dayAfter) = (Iso(utcDay), Iso(utcDay.AddDays(1)), Iso(utcDay.AddDays(2)));
        portal.Clock.SetUtcNow(new DateTimeOffset(utcDay.ToDateTime(new TimeOnly(14, 30)), TimeSpan.Zero));
        await portal.CreateUserAsync("day.desk", "Dee Desk", PortalFactory.StrongPassword, "Receptionist");
        await portal.CreateUserAsync("day.manager", "Max Manager", PortalFactory.StrongPassword, "Practice manager");
        var desk = await portal.SignInAsync("day.desk");
        var invoice = await IssuedInvoiceAsync("64.20");

        var form = await HtmlForm.LoadAsync(desk, $"/Billing/Invoices/{invoice}", "form[data-testid=record-payment]");
        Assert.Equal(sydneyDate, form.Fields["Payment.PaidOn"]);
        var future = await form.SubmitAsync(new() { ["Payment.Method"] = "Cash", ["Payment.PaidOn"] = dayAfter });
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Contains("The payment date must be between the day the invoice was issued and today.", HtmlForm.Errors(await future.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Payment.Method"] = "Eft" })).StatusCode);

        var manager = await portal.SignInAsync("day.manager");
        var today = new HtmlParser().ParseDocument(await manager.GetStringAsync("/Billing/Takings"));
        var yesterday = new HtmlParser().ParseDocument(await manager.GetStringAsync("/Billing/Takings?date=" + utcDate));

        Assert.Equal(sydneyDate, today.QuerySelector("#date")!.GetAttribute("value"));
        Assert.Equal("64.20", today.QuerySelector("[data-testid=takings-row][data-method=Eft] [data-amount]")!.GetAttribute("data-amount"));
        Assert.Equal("64.20", today.QuerySelector("[data-testid=takings-total]")!.GetAttribute("data-amount"));
        Assert.Equal("0.00", yesterday.QuerySelector("[data-testid=takings-total]")!.GetAttribute("data-amount"));
        Assert.Equal(InvoiceState.Paid, await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.State).SingleAsync()));
    }

    private async Task<Guid> IssuedInvoiceAsync(string fee)
    {
        var (patientId, feeId) = await portal.WithDbAsync(async db =>
        {
            var patient = Patient.Register(portal.Clock.GetUtcNow(), Guid.Empty);
            patient.FamilyName = "Midnight";
            patient.GivenNames = "Mo";
            patient.DateOfBirth = new DateOnly(1990, 1, 2);
            patient.Sex = Sex.Male;
            var item = new FeeItem { Code = "NIGHT", Description = "After-hours visit", Fee = decimal.Parse(fee, CultureInfo.InvariantCulture) };
            db.AddRange(patient, item);
            await db.SaveChangesAsync();
            return (patient.Id, item.Id);
        });
        using var scope = portal.Services.CreateScope();
        var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
        var invoice = (await billing.CreateDraftAsync(patientId, null, Guid.Empty, CancellationToken.None))!.Value;
        await billing.AddLineAsync(invoice, new AddLineForm { FeeItemId = feeId, Quantity = 1 }, CancellationToken.None);
        var version = await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.Version).SingleAsync());
        Assert.Equal(ChangeResult.Done, (await billing.IssueAsync(invoice, version, Guid.Empty, CancellationToken.None)).Result);
        return invoice;
    }
}
