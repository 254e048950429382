using System.Globalization;
using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Modules.Billing;

/// <summary>
/// Reception invoices a patient: lines from the fee schedule with GST per line, issue with the next number, payments
/// up to the balance, void with a reason. Totals are exact to the cent; the database keeps issued invoices as issued.
/// </summary>
public sealed class BillingTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private HttpClient _desk = null!;
    private Guid _patient;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("bill.desk", "Bea Desk", PortalFactory.StrongPassword, "Receptionist");
            await portal.CreateUserAsync("bill.doctor", "Dov Doctor", PortalFactory.StrongPassword, "Doctor");
            await portal.CreateUserAsync("bill.manager", "Mia Manager", PortalFactory.StrongPassword, "Practice manager");
        }

        _desk = await portal.SignInAsync("bill.desk");
        _patient = await PatientAsync("Invoiced" + Letters());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Invoice_LinesWithAndWithoutGst_TotalsExactlyAndShowsThemOnThePage()
    {
        var consult = await FeeAsync("33.33", gst: true);
        var tiny = await FeeAsync("0.05", gst: true);
        var noGst = await FeeAsync("80.00", gst: false);
        var invoice = await DraftAsync(_patient);

        Assert.Equal(HttpStatusCode.Redirect, (await AddLineAsync(invoice, consult, "3")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await AddLineAsync(invoice, tiny, "1")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await AddLineAsync(invoice, noGst, "2")).StatusCode);

        var page = Parse(await _desk.GetStringAsync($"/Billing/Invoices/{invoice}"));
        // 99.99 + 9.999→10.00; 0.05 + 0.005→0.01; 160.00 without GST.
        Assert.Equal("260.04", Amount(page, "subtotal"));
        Assert.Equal("10.01", Amount(page, "gst"));
        Assert.Equal("270.05", Amount(page, "total"));
        Assert.Equal("270.05", Amount(page, "balance"));
        var lines = await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoice).OrderBy(l => l.LineTotal).ToListAsync());
        Assert.Equal([0.06m, 109.99m, 160.00m], lines.Select(l => l.LineTotal));
        Assert.Equal([0.01m, 10.00m, 0m], lines.Select(l => l.GstAmount));
    }

    [Fact]
    public async Task ThousandRandomInvoices_TotalledByThePortalAndByAReferenceInCents_AgreeToTheCent()
    {
        var random = new Random(20261203);
        var fees = new List<(Guid Id, long Cents, bool Gst)>();
        for (var i = 0; i < 12; i++)
        {
            var cents = i == 0 ? 5 : random.NextInt64(1, 250_000); // one fee of 5 cents: GST of exactly half a cent
            var gst = i % 3 != 2;
            fees.Add((await FeeAsync((cents / 100m).ToString("0.00", CultureInfo.InvariantCulture), gst), cents, gst));
        }

        var outstandingBefore = await FiguresAsync(f => f.OutstandingTotalAsync(CancellationToken.None));
        var patients = new[] { _patient, await PatientAsync("Random" + Letters()), await PatientAsync("Random" + Letters()) };
        var reference = new Dictionary<Guid, long>();
        var now = DateTimeOffset.UtcNow;
        await portal.WithDbAsync(async db =>
        {
            for (var i = 0; i < 1000; i++)
            {
                var invoice = new Invoice { PatientId = patients[i % patients.Length], CreatedAt = now, CreatedBy = Guid.Empty };
                db.Add(invoice);
                long expected = 0;
                for (var l = random.Next(1, 6); l > 0; l--)
                {
                    var fee = fees[random.Next(fees.Count)];
                    var quantity = random.Next(1, 20);
                    var item = await db.Set<FeeItem>().AsNoTracking().SingleAsync(f => f.Id == fee.Id);
                    db.Add(InvoiceLine.Of(invoice.Id, item, quantity, now));
                    // The reference, in whole cents with integer arithmetic only: GST is a tenth of the line, half a cent and up rounded up.
                    var subtotal = quantity * fee.Cents;
                    expected += subtotal + (fee.Gst ? (subtotal + 5) / 10 : 0);
                }

                reference[invoice.Id] = expected;
            }

            return await db.SaveChangesAsync();
        });
        foreach (var id in reference.Keys)
        {
            Assert.Equal(ChangeResult.Done, (await ServiceAsync(s => s.IssueAsync(id, VersionOf(id).Result, Guid.Empty, CancellationToken.None))).Result);
        }

        var listed = (await FiguresAsync(f => f.OutstandingAsync(100_000, CancellationToken.None))).Where(o => reference.ContainsKey(o.InvoiceId)).ToList();
        Assert.Equal(1000, listed.Count);
        Assert.All(listed, o => Assert.Equal(reference[o.InvoiceId], ToCents(o.Total)));
        var expectedTotal = reference.Values.Sum();
        Assert.Equal(expectedTotal, ToCents(await FiguresAsync(f => f.OutstandingTotalAsync(CancellationToken.None)) - outstandingBefore));
        var manager = await portal.SignInAsync("bill.manager");
        var page = Parse(await manager.GetStringAsync("/Billing/Outstanding"));
        Assert.Equal(expectedTotal, ToCents(decimal.Parse(Amount(page, "outstanding-total"), CultureInfo.InvariantCulture) - outstandingBefore));
    }

    [Fact]
    public async Task Issue_TwentyAtOnce_TakeConsecutiveNumbersWithNoGap()
    {
        var fee = await FeeAsync("50.00", gst: false);
        var drafts = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            var draft = await DraftAsync(_patient);
            await AddLineAsync(draft, fee, "1");
            drafts.Add(draft);
        }

        var forms = await Task.WhenAll(drafts.Select(d => HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{d}", "form[data-testid=issue]")));
        var before = await LastNumberAsync();

        var responses = await Task.WhenAll(forms.Select(f => f.SubmitAsync([])));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        var numbers = await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => drafts.Contains(i.Id)).Select(i => i.Number!.Value).OrderBy(n => n).ToListAsync());
        Assert.Equal(Enumerable.Range(1, 20).Select(n => before + n), numbers);
    }

    [Fact]
    public async Task Issue_RolledBack_GivesItsNumberBack()
    {
        var fee = await FeeAsync("50.00", gst: false);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        var stale = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=issue]");
        await AddLineAsync(invoice, fee, "2");
        var before = await LastNumberAsync();

        // Taken from the counter, then the stale version refuses the issue: the transaction rolls back with the number.
        var refused = await stale.SubmitAsync([]);
        // And a number taken by hand in a transaction that rolls back.
        await using (var connection = new NpgsqlConnection(portal.Database.RuntimeConnection))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("UPDATE billing.invoice_counter SET last_number = last_number + 1 WHERE id = 1 RETURNING last_number", connection, transaction);
            Assert.Equal(before + 1, (long)(await command.ExecuteScalarAsync())!);
            await transaction.RollbackAsync();
        }

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("This invoice was changed since you opened it. Nothing was issued: check the lines below, then issue again.", HtmlForm.Errors(await refused.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, (await IssueAsync(invoice)).StatusCode);
        Assert.Equal(before + 1, await NumberOfAsync(invoice));
    }

    [Theory]
    [InlineData("UPDATE billing.invoices SET patient_id = (SELECT id FROM patients.patients LIMIT 1 OFFSET 1) WHERE id = '{0}'")]
    [InlineData("UPDATE billing.invoices SET number = number + 100000 WHERE id = '{0}'")]
    [InlineData("UPDATE billing.invoices SET state = 'Draft', number = NULL WHERE id = '{0}'")]
    [InlineData("UPDATE billing.invoices SET issued_at = now() - interval '1 year' WHERE id = '{0}'")]
    [InlineData("DELETE FROM billing.invoices WHERE id = '{0}'")]
    [InlineData("UPDATE billing.invoices SET state = 'Void', number = NULL, void_reason = 'x', voided_at = now(), voided_by = gen_random_uuid() WHERE id = '{0}'")]
    [InlineData("UPDATE billing.invoices SET state = 'Void' WHERE id = '{0}'")]
    [InlineData("UPDATE billing.invoice_lines SET description = 'changed' WHERE invoice_id = '{0}'")]
    [InlineData("UPDATE billing.invoice_lines SET unit_fee = 1, line_total = quantity + gst_amount WHERE invoice_id = '{0}'")]
    [InlineData("DELETE FROM billing.invoice_lines WHERE invoice_id = '{0}'")]
    [InlineData("INSERT INTO billing.invoice_lines (id, invoice_id, item_code, description, quantity, unit_fee, gst_amount, line_total, added_at) VALUES (gen_random_uuid(), '{0}', 'X', 'Extra', 1, 1.00, 0, 1.00, now())")]
    [InlineData("INSERT INTO billing.payments (id, invoice_id, amount, method, paid_on, recorded_by, recorded_at) VALUES (gen_random_uuid(), '{0}', 1000000.00, 'Cash', current_date, gen_random_uuid(), now())")]
    [InlineData("UPDATE billing.payments SET amount = 0.01 WHERE invoice_id = '{0}'")]
    [InlineData("DELETE FROM billing.payments WHERE invoice_id = '{0}'")]
    [InlineData("UPDATE billing.invoice_counter SET last_number = 0")]
    [InlineData("DELETE FROM billing.invoice_counter")]
    public async Task IssuedInvoice_ChangedInSqlAsTheRuntimeRole_IsRefused(string sql)
    {
        await PatientAsync("Other" + Letters());
        var fee = await FeeAsync("120.00", gst: true);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);
        Assert.Equal(HttpStatusCode.Redirect, (await PayAsync(invoice, "20.00", "Cash")).StatusCode);
        var before = await SnapshotAsync(invoice);

        var error = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(portal.Database.RuntimeConnection, sql.Replace("{0}", invoice.ToString(), StringComparison.Ordinal)));

        Assert.True(error.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.CheckViolation, error.Message);
        Assert.Equal(before, await SnapshotAsync(invoice));
    }

    [Fact]
    public async Task Void_WithoutReasonThenWithOne_RefusesFirstAndKeepsTheNumber()
    {
        var fee = await FeeAsync("95.00", gst: false);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);
        var number = await NumberOfAsync(invoice);

        var blank = await VoidAsync(invoice, "   ");

        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.Contains("Give the reason for voiding the invoice.", HtmlForm.Errors(await blank.Content.ReadAsStringAsync()));
        Assert.Equal(InvoiceState.Issued, await StateOfAsync(invoice));

        Assert.Equal(HttpStatusCode.Redirect, (await VoidAsync(invoice, "Billed to the wrong patient")).StatusCode);

        var stored = await portal.WithDbAsync(db => db.Set<Invoice>().SingleAsync(i => i.Id == invoice));
        Assert.Equal((InvoiceState.Void, number, "Billed to the wrong patient"), (stored.State, stored.Number, stored.VoidReason));
        var print = Parse(await _desk.GetStringAsync($"/Billing/Invoices/{invoice}/Print"));
        Assert.Contains(Invoice.NumberText(number), print.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(print.QuerySelector("[data-testid=void-notice]"));
        Assert.Equal("0.00", Amount(print, "balance"));
        Assert.Equal(HttpStatusCode.BadRequest, (await PayAsync(invoice, "1.00", "Cash")).StatusCode);
    }

    [Fact]
    public async Task Payment_OverTheBalance_IsRefusedAndAFullPaymentMarksThePaid()
    {
        var fee = await FeeAsync("100.00", gst: true);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);

        Assert.Equal(HttpStatusCode.Redirect, (await PayAsync(invoice, "60.00", "Card")).StatusCode);
        var over = await PayAsync(invoice, "50.01", "Cash");

        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("The amount is more than the balance of 50.00. Nothing was recorded.", HtmlForm.Errors(await over.Content.ReadAsStringAsync()));
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<Payment>().CountAsync(p => p.InvoiceId == invoice)));

        Assert.Equal(HttpStatusCode.Redirect, (await PayAsync(invoice, "50.00", "Eft")).StatusCode);
        var page = Parse(await _desk.GetStringAsync($"/Billing/Invoices/{invoice}"));
        Assert.Equal("Paid", page.QuerySelector("[data-testid=state]")!.TextContent.Trim());
        Assert.Equal(("110.00", "0.00"), (Amount(page, "paid"), Amount(page, "balance")));
        Assert.Null(page.QuerySelector("form[data-testid=record-payment]"));
    }

    [Fact]
    public async Task Payment_FiveOfTheWholeBalanceAtOnce_OnlyOneIsRecorded()
    {
        var fee = await FeeAsync("100.00", gst: false);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);
        var forms = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=record-payment]")));

        var responses = await Task.WhenAll(forms.Select(f => f.SubmitAsync(new() { ["Payment.Amount"] = "100.00", ["Payment.Method"] = "Card" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Redirect);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Redirect), r => Assert.True(r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"answered {(int)r.StatusCode}"));
        Assert.Equal(100.00m, await portal.WithDbAsync(db => db.Set<Payment>().Where(p => p.InvoiceId == invoice).SumAsync(p => p.Amount)));
        Assert.Equal(InvoiceState.Paid, await StateOfAsync(invoice));
    }

    [Theory]
    [InlineData("-1.00", "The fee must be an amount in dollars and cents from 0.00 to 9,999,999,999.99.")]
    [InlineData("1234567890123", "The fee must be an amount in dollars and cents from 0.00 to 9,999,999,999.99.")]
    [InlineData("10.005", "The fee must be an amount in dollars and cents from 0.00 to 9,999,999,999.99.")]
    [InlineData("ten", null)]
    [InlineData("", "Enter the fee.")]
    public async Task FeeItem_BadFee_IsRefusedAndNothingIsSaved(string fee, string? message)
    {
        var code = "B" + Letters()[..8].ToUpperInvariant();
        var form = await HtmlForm.LoadAsync(_desk, "/Billing/Fees/New");

        var response = await form.SubmitAsync(new() { ["Code"] = code, ["Description"] = "Long consultation", ["Fee"] = fee });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = HtmlForm.Errors(await response.Content.ReadAsStringAsync());
        Assert.NotEmpty(errors);
        if (message is not null)
        {
            Assert.Contains(message, errors);
        }

        Assert.False(await portal.WithDbAsync(db => db.Set<FeeItem>().AnyAsync(f => f.Code == code)));
    }

    [Fact]
    public async Task FeeItem_NewThenEdited_IsListedAndTheInvoiceLineKeepsTheOldFee()
    {
        var code = "C" + Letters()[..6].ToUpperInvariant();
        var form = await HtmlForm.LoadAsync(_desk, "/Billing/Fees/New");
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Code"] = code, ["Description"] = "Standard consultation", ["Fee"] = "85.50", ["GstApplicable"] = "true" })).StatusCode);
        var item = await portal.WithDbAsync(db => db.Set<FeeItem>().SingleAsync(f => f.Code == code));
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, item.Id, "1");

        var edit = await HtmlForm.LoadAsync(_desk, $"/Billing/Fees/{item.Id}/Edit");
        Assert.Equal(HttpStatusCode.Redirect, (await edit.SubmitAsync(new() { ["Fee"] = "99.00" })).StatusCode);

        Assert.Contains(code, await _desk.GetStringAsync("/Billing/Fees"), StringComparison.Ordinal);
        Assert.Equal(99.00m, await portal.WithDbAsync(db => db.Set<FeeItem>().Where(f => f.Id == item.Id).Select(f => f.Fee).SingleAsync()));
        Assert.Equal(85.50m, await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoice).Select(l => l.UnitFee).SingleAsync()));
        var duplicate = await (await HtmlForm.LoadAsync(_desk, "/Billing/Fees/New")).SubmitAsync(new() { ["Code"] = code.ToLowerInvariant(), ["Description"] = "Again", ["Fee"] = "1.00" });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Contains("Another fee item already has this code. Each code is used once.", HtmlForm.Errors(await duplicate.Content.ReadAsStringAsync()));
    }

    [Theory]
    [InlineData("0", "The quantity must be a whole number from 1 to 999.")]
    [InlineData("1000", "The quantity must be a whole number from 1 to 999.")]
    [InlineData("1000000000", "The quantity must be a whole number from 1 to 999.")]
    [InlineData("1e9", null)]
    [InlineData("-3", "The quantity must be a whole number from 1 to 999.")]
    public async Task Line_BadQuantity_IsRefusedAndNothingIsAdded(string quantity, string? message)
    {
        var fee = await FeeAsync("10.00", gst: true);
        var invoice = await DraftAsync(_patient);

        var response = await AddLineAsync(invoice, fee, quantity);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = HtmlForm.Errors(await response.Content.ReadAsStringAsync());
        Assert.NotEmpty(errors);
        if (message is not null)
        {
            Assert.Contains(message, errors);
        }

        Assert.False(await portal.WithDbAsync(db => db.Set<InvoiceLine>().AnyAsync(l => l.InvoiceId == invoice)));
    }

    [Fact]
    public async Task IssuedInvoice_LineAddedOrRemovedByAForgedForm_IsRefusedAndUnchanged()
    {
        var fee = await FeeAsync("10.00", gst: true);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        var addForm = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=add-line]");
        var removeForm = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=remove-line]");
        await IssueAsync(invoice);
        var before = await SnapshotAsync(invoice);

        var added = await addForm.SubmitAsync(new() { ["Line.FeeItemId"] = fee.ToString(), ["Line.Quantity"] = "2" });
        var removed = await removeForm.SubmitAsync([]);
        var issuedAgain = await IssueAsync(invoice, version: "1");

        Assert.Equal(HttpStatusCode.BadRequest, added.StatusCode);
        Assert.Contains("This invoice is issued: its lines can no longer change.", HtmlForm.Errors(await added.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, removed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, issuedAgain.StatusCode);
        Assert.Equal(before, await SnapshotAsync(invoice));
    }

    [Fact]
    public async Task UnknownOrMismatchedIds_Answer404AndChangeNothing()
    {
        var fee = await FeeAsync("10.00", gst: false);
        var mine = await DraftAsync(_patient);
        await AddLineAsync(mine, fee, "1");
        var other = await DraftAsync(await PatientAsync("Someone" + Letters()));
        await AddLineAsync(other, fee, "1");
        var otherLine = await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == other).Select(l => l.Id).SingleAsync());
        var removeForm = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{mine}", "form[data-testid=remove-line]");
        var token = removeForm.Fields[HtmlForm.AntiforgeryField];

        // Someone else's line through my invoice's address.
        var crossed = await _desk.PostAsync(new Uri($"/Billing/Invoices/{mine}/Lines/{otherLine}/Remove", UriKind.Relative), Form((HtmlForm.AntiforgeryField, token)));
        var unknownInvoice = await _desk.GetAsync(new Uri($"/Billing/Invoices/{Guid.NewGuid()}", UriKind.Relative));
        var unknownPrint = await _desk.GetAsync(new Uri($"/Billing/Invoices/{Guid.NewGuid()}/Print", UriKind.Relative));
        var unknownIssue = await _desk.PostAsync(new Uri($"/Billing/Invoices/{Guid.NewGuid()}/Issue", UriKind.Relative), Form((HtmlForm.AntiforgeryField, token), ("Version", "1")));
        var unknownPatient = await _desk.PostAsync(new Uri("/Billing/Invoices/New", UriKind.Relative), Form((HtmlForm.AntiforgeryField, token), ("PatientId", Guid.NewGuid().ToString())));
        var unknownPatientList = await _desk.GetAsync(new Uri($"/Billing/Invoices?patient={Guid.NewGuid()}", UriKind.Relative));
        var unknownFee = await _desk.GetAsync(new Uri($"/Billing/Fees/{Guid.NewGuid()}/Edit", UriKind.Relative));
        var unknownFeeItem = await (await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{mine}", "form[data-testid=add-line]")).SubmitAsync(new() { ["Line.FeeItemId"] = Guid.NewGuid().ToString(), ["Line.Quantity"] = "1" });
        var noToken = await _desk.PostAsync(new Uri($"/Billing/Invoices/{mine}/Issue", UriKind.Relative), Form(("Version", "1")));

        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownInvoice.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownPrint.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownIssue.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownPatient.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownPatientList.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownFee.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownFeeItem.StatusCode);
        Assert.Contains("Choose a fee item from the list.", HtmlForm.Errors(await unknownFeeItem.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<InvoiceLine>().CountAsync(l => l.InvoiceId == other)));
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<InvoiceLine>().CountAsync(l => l.InvoiceId == mine)));
        Assert.Equal(InvoiceState.Draft, await StateOfAsync(mine));
    }

    [Theory]
    [InlineData("Payment.Method", "Robot")]
    [InlineData("Payment.Method", "99")]
    [InlineData("Payment.Amount", "0")]
    [InlineData("Payment.Amount", "-5.00")]
    [InlineData("Payment.Amount", "1.234")]
    [InlineData("Payment.Amount", "99999999999999")]
    [InlineData("Payment.PaidOn", "2999-01-01")]
    [InlineData("Payment.PaidOn", "yesterday")]
    public async Task Payment_ForgedOrBadField_IsRefusedAndNothingIsRecorded(string field, string value)
    {
        var fee = await FeeAsync("40.00", gst: false);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);
        var form = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=record-payment]");
        var values = new Dictionary<string, string> { ["Payment.Amount"] = "10.00", ["Payment.Method"] = "Cash" };
        values[field] = value;

        var response = await form.SubmitAsync(values);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.False(await portal.WithDbAsync(db => db.Set<Payment>().AnyAsync(p => p.InvoiceId == invoice)));
    }

    [Fact]
    public async Task Doctor_ReadsInvoicesButCannotChangeThem()
    {
        var fee = await FeeAsync("10.00", gst: false);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        var issue = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=issue]");
        var doctor = await portal.SignInAsync("bill.doctor");

        var page = await doctor.GetAsync(new Uri($"/Billing/Invoices/{invoice}", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();
        var token = HtmlForm.Parse(doctor, await doctor.GetStringAsync("/"), "/", "form[action='/Account/Logout']").Fields[HtmlForm.AntiforgeryField];
        var post = await doctor.PostAsync(new Uri(issue.Action, UriKind.Relative), Form((HtmlForm.AntiforgeryField, token), ("Version", issue.Fields["Version"])));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("data-testid=\"issue\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", post.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(InvoiceState.Draft, await StateOfAsync(invoice));
    }

    [Fact]
    public async Task PrintableInvoice_ShowsThePracticeThePatientAndTheFigures()
    {
        var manager = await portal.SignInAsync("bill.manager");
        var settings = await HtmlForm.LoadAsync(manager, "/Billing/Settings");
        var bad = await settings.SubmitAsync(new() { ["PracticeName"] = "Harbour Family Practice", ["Abn"] = "51 824 753 557", ["Address"] = "1 Quay St, Sydney NSW 2000" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("The ABN is not valid: it has 11 digits, and its check digits must match. Copy it from the ABN Lookup.", HtmlForm.Errors(await bad.Content.ReadAsStringAsync()));
        var before = await portal.LastAuditSequenceAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await settings.SubmitAsync(new() { ["PracticeName"] = "Harbour Family Practice", ["Abn"] = "51824753556", ["Address"] = "1 Quay St, Sydney NSW 2000" })).StatusCode);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => r.EventType == BillingService.PracticeDetailsChanged && r.Details!.Contains("ABN 51824753556", StringComparison.Ordinal));
        var fee = await FeeAsync("45.45", gst: true);
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "2");
        await IssueAsync(invoice);
        await PayAsync(invoice, "50.00", "Card");

        var print = await _desk.GetStringAsync($"/Billing/Invoices/{invoice}/Print");

        var page = Parse(print);
        Assert.Contains("Harbour Family Practice", page.QuerySelector("[data-testid=practice]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("51 824 753 556", page.QuerySelector("[data-testid=abn]")!.TextContent);
        Assert.Contains("1 Quay St, Sydney NSW 2000", print, StringComparison.Ordinal);
        var mrn = await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.Id == _patient).Select(p => p.MedicalRecordNumber).SingleAsync());
        Assert.Equal(mrn, page.QuerySelector("[data-testid=mrn]")!.TextContent);
        Assert.Contains("INVOICED", page.QuerySelector("[data-testid=patient]")!.TextContent, StringComparison.Ordinal);
        Assert.Single(page.QuerySelectorAll("[data-testid=line]"));
        // 90.90 + GST 9.09 = 99.99; paid 50.00.
        Assert.Equal(("9.09", "99.99", "50.00", "49.99"), (Amount(page, "gst"), Amount(page, "total"), Amount(page, "paid"), Amount(page, "balance")));
        Assert.Contains("billing-print.css", print, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryLookAndChange_IsAuditedWithThePatientAsSubject()
    {
        var fee = await FeeAsync("30.00", gst: true);
        var before = await portal.LastAuditSequenceAsync();

        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);
        await PayAsync(invoice, "33.00", "Cash");
        await _desk.GetStringAsync($"/Billing/Invoices/{invoice}/Print");
        await _desk.GetStringAsync($"/Billing/Invoices?patient={_patient}");

        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => r.Module == "Billing" && r.SubjectType == "Patient").ToList();
        Assert.All(rows, r => Assert.Equal(_patient.ToString(), r.SubjectId));
        var events = rows.Select(r => r.EventType).ToHashSet();
        Assert.Superset(new HashSet<Pyboxtech.Med.Web.Auditing.AuditEventType>
        {
            BillingService.InvoiceCreated, BillingService.LineAdded, BillingService.InvoiceIssued, BillingService.PaymentRecorded,
            BillingService.InvoiceViewed, BillingService.InvoicePrinted, BillingService.InvoicesListed,
        }, events);
        Assert.Contains(rows, r => r.EventType == BillingService.InvoiceIssued && r.Details!.Contains(Invoice.NumberText(NumberOfAsync(invoice).Result), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Takings_OfTheClinicsDay_AreSplitByMethod()
    {
        var fee = await FeeAsync("200.00", gst: false);
        var manager = await portal.SignInAsync("bill.manager");
        var before = Parse(await manager.GetStringAsync("/Billing/Takings"));
        var invoice = await DraftAsync(_patient);
        await AddLineAsync(invoice, fee, "1");
        await IssueAsync(invoice);
        await PayAsync(invoice, "120.50", "Card");
        await PayAsync(invoice, "79.50", "Cash");

        var after = Parse(await manager.GetStringAsync("/Billing/Takings"));

        decimal Row(AngleSharp.Dom.IDocument page, string method) =>
            decimal.Parse(page.QuerySelector($"[data-testid=takings-row][data-method={method}] [data-amount]")!.GetAttribute("data-amount")!, CultureInfo.InvariantCulture);
        Assert.Equal(120.50m, Row(after, "Card") - Row(before, "Card"));
        Assert.Equal(79.50m, Row(after, "Cash") - Row(before, "Cash"));
        Assert.Equal(0m, Row(after, "Eft") - Row(before, "Eft"));
        Assert.Equal(HttpStatusCode.BadRequest, (await manager.GetAsync(new Uri("/Billing/Takings?date=31-02-2026", UriKind.Relative))).StatusCode);
    }

    // ---- helpers: the portal driven through its forms ----

    private Task<Guid> PatientAsync(string familyName) => portal.WithDbAsync(async db =>
    {
        var patient = Patient.Register(DateTimeOffset.UtcNow, Guid.Empty);
        patient.FamilyName = familyName;
        patient.GivenNames = "Pat";
        patient.DateOfBirth = new DateOnly(1975, 8, 9);
        patient.Sex = Sex.Female;
        db.Add(patient);
        await db.SaveChangesAsync();
        return patient.Id;
    });

    private Task<Guid> FeeAsync(string fee, bool gst) => portal.WithDbAsync(async db =>
    {
        var item = new FeeItem { Code = "F" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant(), Description = "Item " + fee, Fee = decimal.Parse(fee, CultureInfo.InvariantCulture), GstApplicable = gst };
        db.Add(item);
        await db.SaveChangesAsync();
        return item.Id;
    });

    private async Task<Guid> DraftAsync(Guid patient)
    {
        var form = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices?patient={patient}", "form[action='/Billing/Invoices/New']");
        var response = await form.SubmitAsync([]);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/').Last());
    }

    private async Task<HttpResponseMessage> AddLineAsync(Guid invoice, Guid fee, string quantity) =>
        await (await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=add-line]"))
            .SubmitAsync(new() { ["Line.FeeItemId"] = fee.ToString(), ["Line.Quantity"] = quantity });

    private async Task<HttpResponseMessage> IssueAsync(Guid invoice, string? version = null)
    {
        var page = await _desk.GetStringAsync($"/Billing/Invoices/{invoice}");
        var form = page.Contains("data-testid=\"issue\"", StringComparison.Ordinal)
            ? HtmlForm.Parse(_desk, page, $"/Billing/Invoices/{invoice}", "form[data-testid=issue]")
            : null;
        if (form is null)
        {
            var token = HtmlForm.Parse(_desk, page, $"/Billing/Invoices/{invoice}", "form[action='/Account/Logout']").Fields[HtmlForm.AntiforgeryField];
            return await _desk.PostAsync(new Uri($"/Billing/Invoices/{invoice}/Issue", UriKind.Relative), Form((HtmlForm.AntiforgeryField, token), ("Version", version ?? "1")));
        }

        return await form.SubmitAsync(version is null ? [] : new() { ["Version"] = version });
    }

    private async Task<HttpResponseMessage> PayAsync(Guid invoice, string amount, string method)
    {
        var page = await _desk.GetStringAsync($"/Billing/Invoices/{invoice}");
        var token = HtmlForm.Parse(_desk, page, $"/Billing/Invoices/{invoice}", "form[action='/Account/Logout']").Fields[HtmlForm.AntiforgeryField];
        return await _desk.PostAsync(new Uri($"/Billing/Invoices/{invoice}/Payments", UriKind.Relative),
            Form((HtmlForm.AntiforgeryField, token), ("Payment.Amount", amount), ("Payment.Method", method), ("Payment.PaidOn", await TodayAsync())));
    }

    private async Task<HttpResponseMessage> VoidAsync(Guid invoice, string reason)
    {
        var form = await HtmlForm.LoadAsync(_desk, $"/Billing/Invoices/{invoice}", "form[data-testid=void]");
        return await form.SubmitAsync(new() { ["Void.Reason"] = reason });
    }

    private Task<string> TodayAsync() => ServiceAsync(s => Task.FromResult(s.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));

    private async Task<T> ServiceAsync<T>(Func<BillingService, Task<T>> use)
    {
        using var scope = portal.Services.CreateScope();
        return await use(scope.ServiceProvider.GetRequiredService<BillingService>());
    }

    private async Task<T> FiguresAsync<T>(Func<IBillingFigures, Task<T>> use)
    {
        using var scope = portal.Services.CreateScope();
        return await use(scope.ServiceProvider.GetRequiredService<IBillingFigures>());
    }

    private Task<uint> VersionOf(Guid invoice) => portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.Version).SingleAsync());

    private Task<long> LastNumberAsync() => portal.WithDbAsync(db => db.Set<InvoiceCounter>().Select(c => c.LastNumber).SingleAsync());

    private Task<long> NumberOfAsync(Guid invoice) => portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.Number!.Value).SingleAsync());

    private Task<InvoiceState> StateOfAsync(Guid invoice) => portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.State).SingleAsync());

    /// <summary>Everything stored about an invoice, as one string to compare before and after.</summary>
    private Task<string> SnapshotAsync(Guid invoice) => portal.WithDbAsync(async db =>
    {
        var i = await db.Set<Invoice>().AsNoTracking().SingleAsync(x => x.Id == invoice);
        var lines = await db.Set<InvoiceLine>().AsNoTracking().Where(l => l.InvoiceId == invoice).OrderBy(l => l.Id).ToListAsync();
        var payments = await db.Set<Payment>().AsNoTracking().Where(p => p.InvoiceId == invoice).OrderBy(p => p.Id).ToListAsync();
        var counter = await db.Set<InvoiceCounter>().AsNoTracking().Select(c => c.LastNumber).SingleAsync();
        return string.Join("|", [
            $"{i.PatientId} {i.State} {i.Number} {i.IssuedAt:O} {i.IssuedBy} {i.VoidReason}",
            .. lines.Select(l => $"{l.Id} {l.ItemCode} {l.Description} {l.Quantity} {l.UnitFee} {l.GstAmount} {l.LineTotal}"),
            .. payments.Select(p => $"{p.Id} {p.Amount} {p.Method} {p.PaidOn}"),
            $"counter {counter}",
        ]);
    });

    private static AngleSharp.Dom.IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    private static string Amount(AngleSharp.Dom.IDocument page, string testId) =>
        page.QuerySelector($"[data-testid={testId}]")?.GetAttribute("data-amount") ?? throw new InvalidOperationException($"No {testId} on the page.");

    private static long ToCents(decimal amount) => decimal.ToInt64(amount * 100);

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static string Letters() => new(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))).ToArray());
}
