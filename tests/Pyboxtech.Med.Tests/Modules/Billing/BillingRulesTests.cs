using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Billing;

namespace Pyboxtech.Med.Tests.Modules.Billing;

/// <summary>
/// Billing's rules asked of <see cref="BillingService"/> without HTTP (the pages are tested in <see cref="BillingTests"/>):
/// the audit row of every step, which names the invoice and what changed but never an amount paid or a void reason;
/// a patient's invoices with their own totals; the fee schedule's list and its edits; the limits of an invoice; when a
/// payment may be recorded; and what a colleague's save between this one's checks and its write leaves (the
/// database refuses, the person is told, nothing is half done).
/// </summary>
public sealed class BillingRulesTests(InterleavedPortal portal) : IClassFixture<InterleavedPortal>, IAsyncLifetime
{
    private Guid _desk;

    public async ValueTask InitializeAsync() =>
        _desk = (await ClinicalAccessSetup.UserAsync(portal, "rules.billing", "Rob Billing", "Receptionist")).Id;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task EveryStep_IsInTheTrail_NamingTheInvoiceAndItsLines_NeverAnAmountPaidOrAReason()
    {
        var patient = await PatientAsync();
        var before = await portal.LastAuditSequenceAsync();
        var code = Code();
        var fee = await NewFeeAsync(code, 12.50m, gst: true);
        var version = await VersionAsync(fee);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.SaveFeeAsync(fee, Fee(code, 20m, gst: false, active: false, version), default)));
        version = await VersionAsync(fee);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.SaveFeeAsync(fee, Fee(code, 20m, gst: false, active: true, version), default)));
        var invoice = await DraftAsync(patient);
        await AddLineAsync(invoice, fee, 2);
        var removed = await AddLineAsync(invoice, fee, 1);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RemoveLineAsync(invoice, removed, default)));
        await IssueAsync(invoice);
        var number = Invoice.NumberText(await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.Number).SingleAsync()));
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(15m, PaymentMethod.Card, b.Today), _desk, default)));
        await UseAsync(b => b.ViewAsync(invoice, printed: false, default));
        await UseAsync(b => b.ViewAsync(invoice, printed: true, default));
        await UseAsync(b => b.PatientInvoicesAsync(patient, default));
        var voided = await DraftAsync(patient);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.VoidAsync(voided, "  Billed in error  ", _desk, default)));

        var rows = await portal.AuditRowsAfterAsync(before);
        var line = await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoice).Select(l => l.Id).SingleAsync());
        var payment = await portal.WithDbAsync(db => db.Set<Payment>().Where(p => p.InvoiceId == invoice).Select(p => p.Id).SingleAsync());
        Assert.Equal(
            [
                (BillingService.FeeItemCreated, BillingService.FeeScheduleSubject, fee.ToString(), $"item {code}: fee 12.50, GST applies"),
                (BillingService.FeeItemChanged, BillingService.FeeScheduleSubject, fee.ToString(), $"item {code}: changed Active, Fee, GstApplicable; now fee 20.00, GST does not apply, inactive"),
                (BillingService.FeeItemChanged, BillingService.FeeScheduleSubject, fee.ToString(), $"item {code}: changed Active; now fee 20.00, GST does not apply, active"),
                (BillingService.InvoiceCreated, "Patient", patient.ToString(), $"draft invoice {invoice}"),
                (BillingService.LineAdded, "Patient", patient.ToString(), $"draft invoice {invoice}: line {line} ({code} × 2)"),
                (BillingService.LineAdded, "Patient", patient.ToString(), $"draft invoice {invoice}: line {removed} ({code} × 1)"),
                (BillingService.LineRemoved, "Patient", patient.ToString(), $"draft invoice {invoice}: line {removed} ({code}) removed"),
                (BillingService.InvoiceIssued, "Patient", patient.ToString(), $"invoice {number} ({invoice})"),
                (BillingService.PaymentRecorded, "Patient", patient.ToString(), $"invoice {number} ({invoice}): payment {payment} (Card)"),
                (BillingService.InvoiceViewed, "Patient", patient.ToString(), $"invoice {number} ({invoice})"),
                (BillingService.InvoicePrinted, "Patient", patient.ToString(), $"invoice {number} ({invoice})"),
                (BillingService.InvoicesListed, "Patient", patient.ToString(), "1 invoice(s) listed"),
                (BillingService.InvoiceCreated, "Patient", patient.ToString(), $"draft invoice {voided}"),
                (BillingService.InvoiceVoided, "Patient", patient.ToString(), $"draft invoice {voided} voided with a reason"),
            ],
            rows.Select(r => (r.EventType, r.SubjectType, r.SubjectId, r.Details)));
        Assert.All(rows, r => Assert.Equal(BillingModule.Access.Key, r.Module));
        Assert.Equal("Billed in error", await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == voided).Select(i => i.VoidReason).SingleAsync()));
    }

    [Fact]
    public async Task APatientsInvoices_NewestFirst_EachWithItsOwnTotalAndPayments()
    {
        var patient = await PatientAsync();
        var other = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 40m, gst: false);
        var first = await DraftAsync(patient);
        await AddLineAsync(first, fee, 1);
        await AddLineAsync(first, fee, 2);
        await IssueAsync(first);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RecordPaymentAsync(first, Payment(50m, PaymentMethod.Cash, b.Today), _desk, default)));
        var second = await DraftAsync(patient);
        await AddLineAsync(second, fee, 1);
        await AddLineAsync(await DraftAsync(other), fee, 5);

        var list = (await UseAsync(b => b.PatientInvoicesAsync(patient, default)))!.Value.Invoices;

        Assert.Equal([(second, 40m, 0m), (first, 120m, 50m)], list.Select(i => (i.Id, i.Total, i.Paid)));
    }

    [Fact]
    public async Task FeeSchedule_ListsInCodeOrder_ActiveOnlyWhenAsked_KeepsItsOwnCode_AndRefusesAStaleEdit()
    {
        var prefix = "Z" + Code()[..5];
        var b2 = await NewFeeAsync(prefix + "B2", 10m, gst: false);
        var a1 = await NewFeeAsync(prefix + "A1", 10m, gst: false);
        var c3 = await NewFeeAsync(prefix + "C3", 10m, gst: false);
        var version = await VersionAsync(c3);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.SaveFeeAsync(c3, Fee(prefix + "C3", 11m, gst: false, active: false, version), default)));

        var all = (await UseAsync(b => b.FeesAsync(activeOnly: false, default))).Where(f => f.Code.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f.Id);
        var active = (await UseAsync(b => b.FeesAsync(activeOnly: true, default))).Where(f => f.Code.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f.Id);
        var stale = await UseAsync(b => b.SaveFeeAsync(c3, Fee(prefix + "C3", 12m, gst: false, active: true, version), default));
        var taken = await UseAsync(b => b.SaveFeeAsync(b2, Fee(prefix + "A1", 12m, gst: false, active: true, null), default));

        Assert.Equal([a1, b2, c3], all);
        Assert.Equal([a1, b2], active);
        Assert.Equal((ChangeResult.Conflict, "Someone else changed this fee item while you were editing. Nothing was saved: check it below and save again."), (stale.Result, stale.Message));
        Assert.Equal((ChangeResult.Refused, "Another fee item already has this code. Each code is used once."), (taken.Result, taken.Message));
        Assert.Equal(11m, (await UseAsync(b => b.FeeAsync(c3, default)))!.Fee);
    }

    [Fact]
    public async Task AnInvoice_TakesAHundredLines_AndNoTotalOverTheLimit_OtherInvoicesLinesNotCounted()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 1m, gst: false);
        var big = await NewFeeAsync(Code(), 6_000_000_000m, gst: false);
        await AddLineAsync(await DraftAsync(patient), fee, 1);
        var invoice = await DraftAsync(patient);
        for (var i = 0; i < BillingService.MaxLinesPerInvoice; i++)
        {
            await AddLineAsync(invoice, fee, 1);
        }

        var hundredAndFirst = await UseAsync(b => b.AddLineAsync(invoice, new AddLineForm { FeeItemId = fee, Quantity = 1 }, default));
        var large = await DraftAsync(patient);
        await AddLineAsync(large, big, 1);
        var another = await DraftAsync(patient);
        var overOneLine = await UseAsync(b => b.AddLineAsync(another, new AddLineForm { FeeItemId = big, Quantity = 2 }, default));
        var overTheTotal = await UseAsync(b => b.AddLineAsync(large, new AddLineForm { FeeItemId = big, Quantity = 1 }, default));

        Assert.Equal((ChangeResult.Refused, "An invoice has at most 100 lines."), (hundredAndFirst.Result, hundredAndFirst.Message));
        Assert.Equal(ChangeResult.Refused, overOneLine.Result);
        Assert.Equal((ChangeResult.Refused, "The invoice total would be more than 9,999,999,999.99. Check the quantity."), (overTheTotal.Result, overTheTotal.Message));
        Assert.Equal(6_000_000_000m, await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == large).SumAsync(l => l.LineTotal)));
    }

    [Fact]
    public async Task APayment_WaitsForTheIssue_AndIsDatedFromTheDayOfIssueToToday()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 30m, gst: false);
        var invoice = await DraftAsync(patient);
        await AddLineAsync(invoice, fee, 1);

        var draft = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(10m, PaymentMethod.Eft, b.Today), _desk, default));
        await IssueAsync(invoice);
        var dayBefore = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(10m, PaymentMethod.Eft, b.Today.AddDays(-1)), _desk, default));
        var tomorrow = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(10m, PaymentMethod.Eft, b.Today.AddDays(1)), _desk, default));
        var today = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(30m, PaymentMethod.Eft, b.Today), _desk, default));
        var paid = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(1m, PaymentMethod.Eft, b.Today), _desk, default));

        Assert.Equal((ChangeResult.Refused, "Issue the invoice before recording a payment."), (draft.Result, draft.Message));
        Assert.Equal((ChangeResult.Refused, "The payment date must be between the day the invoice was issued and today."), (dayBefore.Result, dayBefore.Message));
        Assert.Equal(ChangeResult.Refused, tomorrow.Result);
        Assert.Equal(ChangeOutcome.Done, today);
        Assert.Equal((ChangeResult.Refused, "This invoice is paid or void: it takes no more payments."), (paid.Result, paid.Message));
    }

    [Fact]
    public async Task AReportsRow_NamesThePatientsItShowed_OrNone()
    {
        var (one, two) = (Guid.NewGuid(), Guid.NewGuid());
        var before = await portal.LastAuditSequenceAsync();

        await UseAsync(async b => { await b.RecordReportAsync(BillingService.OutstandingViewed, "outstanding balances", [one, two], default); return 0; });
        await UseAsync(async b => { await b.RecordReportAsync(BillingService.TakingsViewed, "takings of 2026-12-04", [], default); return 0; });

        Assert.Equal(
            [
                (BillingService.OutstandingViewed, BillingService.ReportSubject, $"outstanding balances; 2 patient(s) named: {one} {two}"),
                (BillingService.TakingsViewed, BillingService.ReportSubject, "takings of 2026-12-04"),
            ],
            (await portal.AuditRowsAfterAsync(before)).Select(r => (r.EventType, r.SubjectType, r.Details)));
    }

    [Fact]
    public async Task PracticeDetails_TheirRowKeepsBeforeAndAfter_BlankPhoneAndEmailKeptAsNone_AndALostOrStaleSaveChangesNothing()
    {
        var before = await portal.LastAuditSequenceAsync();
        var first = new EditPracticeForm { PracticeName = " North Clinic ", Abn = "51 824 753 556", Address = "1 Main St", Phone = "   ", Email = " desk@north.example " };
        var lost = new EditPracticeForm { PracticeName = "West Clinic", Abn = "51824753556", Address = "3 Far St" };

        // Two people fill in the practice's details for the first time; the colleague saves first.
        portal.Interleaving.Before("INSERT INTO billing.practice_details", () => UseAsync(b => b.SavePracticeAsync(first, _desk, default)));
        var second = await UseAsync(b => b.SavePracticeAsync(lost, _desk, default));
        var version = await portal.WithDbAsync(db => db.Set<PracticeDetails>().Select(p => p.Version).SingleAsync());
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.SavePracticeAsync(new EditPracticeForm { PracticeName = "South Clinic", Abn = "51824753556", Address = "2 Side St", Phone = "02 9999 0000", Version = version }, _desk, default)));
        var stale = await UseAsync(b => b.SavePracticeAsync(new EditPracticeForm { PracticeName = lost.PracticeName, Abn = lost.Abn, Address = lost.Address, Version = version }, _desk, default));

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal((ChangeResult.Conflict, "Someone else saved the practice details first. Nothing was saved: check the details below and save again."), (second.Result, second.Message));
        Assert.Equal((ChangeResult.Conflict, "Someone else changed the practice details while you were editing. Nothing was saved: check the details below and save again."), (stale.Result, stale.Message));
        var practice = await UseAsync(b => b.PracticeViewAsync(default));
        Assert.Equal(new PracticeView("South Clinic", "51824753556", "2 Side St", "02 9999 0000", null), practice);
        Assert.Equal(
            [
                "before: none; after: name 'North Clinic', ABN 51824753556, address '1 Main St', phone '', email 'desk@north.example'",
                "before: name 'North Clinic', ABN 51824753556, address '1 Main St', phone '', email 'desk@north.example'; after: name 'South Clinic', ABN 51824753556, address '2 Side St', phone '02 9999 0000', email ''",
            ],
            (await portal.AuditRowsAfterAsync(before)).Where(r => r.EventType == BillingService.PracticeDetailsChanged).Select(r => r.Details));
    }

    [Fact]
    public async Task AFeeCode_SavedByAColleagueMeanwhile_IsRefusedAsTaken_OnlyTheColleaguesItemKept()
    {
        var code = Code();
        portal.Interleaving.Before("INSERT INTO billing.fee_items", () => UseAsync(b => b.SaveFeeAsync(null, Fee(code, 10m, gst: false, active: true, null), default)));

        var mine = await UseAsync(b => b.SaveFeeAsync(null, Fee(code, 20m, gst: true, active: true, null), default));

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal((ChangeResult.Refused, "Another fee item already has this code. Each code is used once."), (mine.Result, mine.Message));
        Assert.Equal([10m], await portal.WithDbAsync(db => db.Set<FeeItem>().Where(f => f.Code == code).Select(f => f.Fee).ToListAsync()));
    }

    [Fact]
    public async Task ALineAddedOrRemoved_AsAColleagueIssuesTheInvoice_IsRefusedByTheDatabase_TheIssuedLinesKept()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 25m, gst: false);
        var adding = await DraftAsync(patient);
        await AddLineAsync(adding, fee, 1);
        var removing = await DraftAsync(patient);
        var line = await AddLineAsync(removing, fee, 2);

        portal.Interleaving.Before("INSERT INTO billing.invoice_lines", () => IssueAsync(adding));
        var added = await UseAsync(b => b.AddLineAsync(adding, new AddLineForm { FeeItemId = fee, Quantity = 3 }, default));
        Assert.False(portal.Interleaving.Waiting);
        portal.Interleaving.Before("DELETE FROM billing.invoice_lines", () => IssueAsync(removing));
        var removed = await UseAsync(b => b.RemoveLineAsync(removing, line, default));
        Assert.False(portal.Interleaving.Waiting);

        Assert.Equal((ChangeResult.Conflict, "This invoice was issued meanwhile: its lines can no longer change."), (added.Result, added.Message));
        Assert.Equal((ChangeResult.Conflict, "This invoice was changed meanwhile: check its lines below."), (removed.Result, removed.Message));
        var lines = await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == adding || l.InvoiceId == removing)
            .OrderBy(l => l.InvoiceId == removing).Select(l => new { l.InvoiceId, l.Quantity }).ToListAsync());
        Assert.Equal([(adding, 1), (removing, 2)], lines.Select(l => (l.InvoiceId, l.Quantity)));
        Assert.Equal([InvoiceState.Issued, InvoiceState.Issued], await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == adding || i.Id == removing).Select(i => i.State).ToListAsync()));
    }

    [Fact]
    public async Task APayment_AfterAColleaguesPaymentSettledTheInvoice_IsRefused_OnlyTheFirstKept()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 80m, gst: false);
        var invoice = await DraftAsync(patient);
        await AddLineAsync(invoice, fee, 1);
        await IssueAsync(invoice);
        portal.Interleaving.Before("INSERT INTO billing.payments", () => UseAsync(b => b.RecordPaymentAsync(invoice, Payment(80m, PaymentMethod.Card, b.Today), _desk, default)));

        var second = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(30m, PaymentMethod.Cash, b.Today), _desk, default));

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal((ChangeResult.Conflict, "Another payment or a void was recorded on this invoice meanwhile. Nothing was recorded: check the balance below."), (second.Result, second.Message));
        var payments = await portal.WithDbAsync(db => db.Set<Payment>().Where(p => p.InvoiceId == invoice).Select(p => new { p.Amount, p.Method }).ToListAsync());
        Assert.Equal([(80m, PaymentMethod.Card)], payments.Select(p => (p.Amount, p.Method)));
        Assert.Equal(InvoiceState.Paid, await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.State).SingleAsync()));
    }

    [Fact]
    public async Task AVoid_AsAColleagueIssuesTheDraft_IsRefused_TheInvoiceStaysIssued()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 15m, gst: false);
        var invoice = await DraftAsync(patient);
        await AddLineAsync(invoice, fee, 1);
        portal.Interleaving.Before("UPDATE billing.invoices", () => IssueAsync(invoice));

        var voided = await UseAsync(b => b.VoidAsync(invoice, "Billed in error", _desk, default));

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal((ChangeResult.Conflict, "This invoice was changed meanwhile. Nothing was voided: check it below."), (voided.Result, voided.Message));
        var kept = await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => new { i.State, i.VoidReason }).SingleAsync());
        Assert.Equal((InvoiceState.Issued, (string?)null), (kept.State, kept.VoidReason));
    }

    [Fact]
    public async Task AnUnknownInvoice_IsNotFound_AndAFinishedOne_RefusesWhatNoLongerApplies()
    {
        var unknown = Guid.NewGuid();
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 50m, gst: false);
        var paid = await DraftAsync(patient);
        await AddLineAsync(paid, fee, 1);
        await IssueAsync(paid);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RecordPaymentAsync(paid, Payment(50m, PaymentMethod.Eft, b.Today), _desk, default)));
        var partly = await DraftAsync(patient);
        await AddLineAsync(partly, fee, 1);
        await IssueAsync(partly);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RecordPaymentAsync(partly, Payment(20m, PaymentMethod.Eft, b.Today), _desk, default)));

        Assert.Equal(ChangeOutcome.NotFound, await UseAsync(b => b.AddLineAsync(unknown, new AddLineForm { FeeItemId = fee, Quantity = 1 }, default)));
        Assert.Equal(ChangeOutcome.NotFound, await UseAsync(b => b.RemoveLineAsync(unknown, Guid.NewGuid(), default)));
        Assert.Equal(ChangeOutcome.NotFound, await UseAsync(b => b.IssueAsync(unknown, 0, _desk, default)));
        Assert.Equal(ChangeOutcome.NotFound, await UseAsync(b => b.RecordPaymentAsync(unknown, Payment(1m, PaymentMethod.Eft, b.Today), _desk, default)));
        Assert.Equal(ChangeOutcome.NotFound, await UseAsync(b => b.VoidAsync(unknown, "No such invoice", _desk, default)));
        var reissue = await UseAsync(b => b.IssueAsync(paid, 0, _desk, default));
        var voidPaid = await UseAsync(b => b.VoidAsync(paid, "Paid twice", _desk, default));
        var voidPartly = await UseAsync(b => b.VoidAsync(partly, "Patient disputes", _desk, default));
        Assert.Equal((ChangeResult.Refused, "This invoice is already issued or void."), (reissue.Result, reissue.Message));
        Assert.Equal((ChangeResult.Refused, "A paid or void invoice cannot be voided."), (voidPaid.Result, voidPaid.Message));
        Assert.Equal((ChangeResult.Refused, "This invoice has payments recorded: it cannot be voided."), (voidPartly.Result, voidPartly.Message));
        Assert.Equal([InvoiceState.Paid, InvoiceState.Issued], await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == paid || i.Id == partly).OrderBy(i => i.Id == partly).Select(i => i.State).ToListAsync()));
    }

    [Fact]
    public async Task AFeeItemsRow_SaysWhetherGstApplies_EitherWay()
    {
        var code = Code();
        var before = await portal.LastAuditSequenceAsync();

        var fee = await NewFeeAsync(code, 30m, gst: false);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.SaveFeeAsync(fee, Fee(code, 30m, gst: true, active: true, null), default)));

        Assert.Equal(
            [$"item {code}: fee 30.00, GST does not apply", $"item {code}: changed GstApplicable; now fee 30.00, GST applies, active"],
            (await portal.AuditRowsAfterAsync(before)).Select(r => r.Details));
    }

    [Fact]
    public async Task AnIssue_FromAPageOpenedBeforeALineWasAddedOrRemoved_IsRefused_NothingNumbered()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 10m, gst: false);
        var removing = await DraftAsync(patient);
        var line = await AddLineAsync(removing, fee, 1);
        await AddLineAsync(removing, fee, 2);
        var adding = await DraftAsync(patient);
        await AddLineAsync(adding, fee, 1);
        var seen = await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == removing || i.Id == adding).ToDictionaryAsync(i => i.Id, i => i.Version));

        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RemoveLineAsync(removing, line, default)));
        await AddLineAsync(adding, fee, 3);
        var afterRemoval = await UseAsync(b => b.IssueAsync(removing, seen[removing], _desk, default));
        var afterAddition = await UseAsync(b => b.IssueAsync(adding, seen[adding], _desk, default));

        Assert.Equal(ChangeResult.Conflict, afterRemoval.Result);
        Assert.Equal(ChangeResult.Conflict, afterAddition.Result);
        Assert.Equal([(long?)null, null], await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == removing || i.Id == adding).Select(i => i.Number).ToListAsync()));
    }

    [Fact]
    public async Task ANewDraft_DatesItsLinesFromItsCreation_AndItsRowNamesTheAppointmentItBills()
    {
        var patient = await PatientAsync();
        var appointment = await AppointmentAsync(patient);
        var before = await portal.LastAuditSequenceAsync();

        var invoice = (await UseAsync(b => b.CreateDraftAsync(patient, appointment, _desk, default)))!.Value;

        var dates = await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => new { i.CreatedAt, i.LinesChangedAt }).SingleAsync());
        Assert.Equal(dates.CreatedAt, dates.LinesChangedAt);
        Assert.Equal($"draft invoice {invoice} for appointment {appointment}", Assert.Single(await portal.AuditRowsAfterAsync(before)).Details);
    }

    [Fact]
    public async Task AnInvoice_ShowsItsLinesAndPaymentsInTheOrderTheyCame()
    {
        var patient = await PatientAsync();
        var (first, second) = (await NewFeeAsync(Code(), 60m, gst: false), await NewFeeAsync(Code(), 40m, gst: false));
        var invoice = await DraftAsync(patient);
        await AddLineAsync(invoice, second, 1);
        await AddLineAsync(invoice, first, 1);
        await IssueAsync(invoice);
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(70m, PaymentMethod.Card, b.Today), _desk, default)));
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(30m, PaymentMethod.Cash, b.Today), _desk, default)));

        var details = (await UseAsync(b => b.ViewAsync(invoice, printed: false, default)))!;

        Assert.Equal([40m, 60m], details.Lines.Select(l => l.LineTotal));
        Assert.Equal([PaymentMethod.Card, PaymentMethod.Cash], details.Payments.Select(p => p.Method));
    }

    [Fact]
    public async Task ALineOrATotalOfExactlyTheLimit_IsTaken()
    {
        var patient = await PatientAsync();
        var whole = await NewFeeAsync(Code(), Money.Max, gst: false);
        var most = await NewFeeAsync(Code(), Money.Max - 0.01m, gst: false);
        var cent = await NewFeeAsync(Code(), 0.01m, gst: false);
        var one = await DraftAsync(patient);
        var two = await DraftAsync(patient);

        await AddLineAsync(one, whole, 1);
        await AddLineAsync(two, most, 1);
        await AddLineAsync(two, cent, 1);

        Assert.Equal([Money.Max, Money.Max], await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == one || l.InvoiceId == two)
            .GroupBy(l => l.InvoiceId).Select(g => g.Sum(l => l.LineTotal)).ToListAsync()));
    }

    [Fact]
    public async Task AnIssuedInvoice_RefusesLineChanges_AnEmptyDraftIsNotIssued_AndAnOverpaymentNamesTheBalance()
    {
        var patient = await PatientAsync();
        var fee = await NewFeeAsync(Code(), 1234.5m, gst: false);
        var invoice = await DraftAsync(patient);
        var line = await AddLineAsync(invoice, fee, 1);
        var empty = await DraftAsync(patient);
        var emptyIssue = await UseAsync(b => b.IssueAsync(empty, 0, _desk, default));
        await IssueAsync(invoice);

        var added = await UseAsync(b => b.AddLineAsync(invoice, new AddLineForm { FeeItemId = fee, Quantity = 1 }, default));
        var removed = await UseAsync(b => b.RemoveLineAsync(invoice, line, default));
        var overpaid = await UseAsync(b => b.RecordPaymentAsync(invoice, Payment(1234.51m, PaymentMethod.Card, b.Today), _desk, default));

        Assert.Equal((ChangeResult.Refused, "Add at least one line before issuing the invoice."), (emptyIssue.Result, emptyIssue.Message));
        Assert.Equal((ChangeResult.Refused, "This invoice is issued: its lines can no longer change."), (added.Result, added.Message));
        Assert.Equal((ChangeResult.Refused, "This invoice is issued: its lines can no longer change."), (removed.Result, removed.Message));
        Assert.Equal((ChangeResult.Refused, "The amount is more than the balance of {0}. Nothing was recorded.", 1234.5m.ToString("N2", System.Globalization.CultureInfo.CurrentCulture)),
            (overpaid.Result, overpaid.Message, Assert.Single(overpaid.Arguments)));
        Assert.Contains(".50", (string)overpaid.Arguments[0], StringComparison.Ordinal);
    }

    private static string Code() => "R" + ClinicalAccessSetup.Suffix().ToUpperInvariant();

    private static EditFeeItemForm Fee(string code, decimal fee, bool gst, bool active, uint? version) =>
        new() { Code = code, Description = "Consultation " + code, Fee = fee, GstApplicable = gst, Active = active, Version = version };

    private static RecordPaymentForm Payment(decimal amount, PaymentMethod method, DateOnly on) => new() { Amount = amount, Method = method, PaidOn = on };

    private Task<Guid> PatientAsync() => ClinicalAccessSetup.PatientAsync(portal, "Billed" + ClinicalAccessSetup.Suffix());

    private async Task<Guid> NewFeeAsync(string code, decimal fee, bool gst)
    {
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.SaveFeeAsync(null, Fee(code, fee, gst, active: true, null), default)));
        return await portal.WithDbAsync(db => db.Set<FeeItem>().Where(f => f.Code == code).Select(f => f.Id).SingleAsync());
    }

    /// <summary>An appointment of the patient, written straight into the book's table with a practitioner of its own.</summary>
    private async Task<Guid> AppointmentAsync(Guid patient)
    {
        var doctor = (await ClinicalAccessSetup.UserAsync(portal, "rules.billing.dr" + ClinicalAccessSetup.Suffix(), "Dr Billed", "Doctor")).Id;
        var starts = DateTimeOffset.UtcNow.AddDays(-1);
        var appointment = new Appointment
        {
            PatientId = patient, PractitionerId = doctor, StartsAt = starts, EndsAt = starts.AddMinutes(15), Type = AppointmentType.Standard,
            Reason = "Review", BookedBy = _desk, BookedAt = starts.AddDays(-7),
        };
        await portal.WithDbAsync(db =>
        {
            db.Add(new Practitioner { UserId = doctor, DisplayName = "Dr Billed", CreatedAt = DateTimeOffset.UtcNow, CreatedBy = _desk });
            db.Add(appointment);
            return db.SaveChangesAsync();
        });
        return appointment.Id;
    }

    private Task<uint> VersionAsync(Guid fee) => portal.WithDbAsync(db => db.Set<FeeItem>().Where(f => f.Id == fee).Select(f => f.Version).SingleAsync());

    private async Task<Guid> DraftAsync(Guid patient) => (await UseAsync(b => b.CreateDraftAsync(patient, null, _desk, default)))!.Value;

    /// <summary>Adds a line and answers its id.</summary>
    private async Task<Guid> AddLineAsync(Guid invoice, Guid fee, int quantity)
    {
        var known = await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoice).Select(l => l.Id).ToListAsync());
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.AddLineAsync(invoice, new AddLineForm { FeeItemId = fee, Quantity = quantity }, default)));
        return await portal.WithDbAsync(db => db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoice && !known.Contains(l.Id)).Select(l => l.Id).SingleAsync());
    }

    private async Task IssueAsync(Guid invoice)
    {
        var version = await portal.WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.Version).SingleAsync());
        Assert.Equal(ChangeOutcome.Done, await UseAsync(b => b.IssueAsync(invoice, version, _desk, default)));
    }

    private async Task<T> UseAsync<T>(Func<BillingService, Task<T>> use)
    {
        using var scope = portal.Services.CreateScope();
        return await use(scope.ServiceProvider.GetRequiredService<BillingService>());
    }
}
