using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Billing;

[Route("Billing")]
public sealed class BillingController(BillingService billing, IBillingFigures figures, IPatientDirectory patients, IStringLocalizer<BillingResources> text) : Controller
{
    private const int OutstandingMax = 500;

    [HttpGet("")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(Guid? patient, CancellationToken cancellationToken)
    {
        if (patient is { } id)
        {
            return RedirectToAction(nameof(Invoices), new { patient = id });
        }

        return View(new BillingHomeViewModel(await figures.OutstandingTotalAsync(cancellationToken), await billing.PracticeAsync(cancellationToken) is not null));
    }

    // ---- Practice details ----

    [HttpGet("Settings")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> Settings(CancellationToken cancellationToken) =>
        View(await billing.PracticeAsync(cancellationToken) is { } p
            ? new EditPracticeForm { PracticeName = p.PracticeName, Abn = Abn.Format(p.Abn), Address = p.Address, Phone = p.Phone, Email = p.Email, Version = p.Version }
            : new EditPracticeForm());

    [HttpPost("Settings")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> Settings(EditPracticeForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var outcome = await billing.SavePracticeAsync(form, ActorId, cancellationToken);
            if (outcome.Result == ChangeResult.Done)
            {
                TempData["Notice"] = text["The practice details were saved."].Value;
                return RedirectToAction(nameof(Index));
            }

            ModelState.AddModelError("", text[outcome.Message!, outcome.Arguments]);
            if (await billing.PracticeAsync(cancellationToken) is { } current)
            {
                form.Version = current.Version;
            }

            return Status(View(form), outcome);
        }

        return Status(View(form));
    }

    // ---- Fee schedule ----

    [HttpGet("Fees")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Fees(CancellationToken cancellationToken) => View(await billing.FeesAsync(false, cancellationToken));

    [HttpGet("Fees/New")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public IActionResult NewFee() => FeeForm(null, new EditFeeItemForm());

    [HttpPost("Fees/New")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public Task<IActionResult> NewFee(EditFeeItemForm form, CancellationToken cancellationToken) => SaveFeeAsync(null, form, cancellationToken);

    [HttpGet("Fees/{id:guid}/Edit")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> EditFee(Guid id, CancellationToken cancellationToken) =>
        await billing.FeeAsync(id, cancellationToken) is { } f
            ? FeeForm(id, new EditFeeItemForm { Code = f.Code, Description = f.Description, Fee = f.Fee, GstApplicable = f.GstApplicable, Active = f.Active, Version = f.Version })
            : NotFound();

    [HttpPost("Fees/{id:guid}/Edit")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public Task<IActionResult> EditFee(Guid id, EditFeeItemForm form, CancellationToken cancellationToken) => SaveFeeAsync(id, form, cancellationToken);

    private async Task<IActionResult> SaveFeeAsync(Guid? id, EditFeeItemForm form, CancellationToken cancellationToken)
    {
        if (id is { } existing && await billing.FeeAsync(existing, cancellationToken) is null)
        {
            return NotFound();
        }

        if (ModelState.IsValid)
        {
            var outcome = await billing.SaveFeeAsync(id, form, cancellationToken);
            switch (outcome.Result)
            {
                case ChangeResult.Done:
                    TempData["Notice"] = text["The fee item {0} was saved.", form.Code.Trim().ToUpperInvariant()].Value;
                    return RedirectToAction(nameof(Fees));
                case ChangeResult.NotFound:
                    return NotFound();
                default:
                    ModelState.AddModelError(outcome.Result == ChangeResult.Refused ? nameof(form.Code) : "", text[outcome.Message!, outcome.Arguments]);
                    if (id is { } changed && await billing.FeeAsync(changed, cancellationToken) is { } current)
                    {
                        form.Version = current.Version;
                    }

                    return Status(FeeForm(id, form), outcome);
            }
        }

        return Status(FeeForm(id, form));
    }

    private ViewResult FeeForm(Guid? id, EditFeeItemForm form)
    {
        ViewData["FeeId"] = id;
        return View("FeeForm", form);
    }

    // ---- Invoices ----

    [HttpGet("Invoices")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Invoices(Guid? patient, CancellationToken cancellationToken)
    {
        if (patient is not { } id)
        {
            return RedirectToAction(nameof(Index));
        }

        return await billing.PatientInvoicesAsync(id, cancellationToken) is var (header, invoices)
            ? View(new PatientInvoicesViewModel(id, header.RecordNumber, header.FullName, invoices))
            : NotFound();
    }

    [HttpGet("Find")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Find(string? record, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(record) || record.Length > 20 || await patients.FindByRecordNumberAsync(record, cancellationToken) is not { } id)
        {
            TempData["Notice"] = text["No patient has that record number."].Value;
            return RedirectToAction(nameof(Index));
        }

        return RedirectToAction(nameof(Invoices), new { patient = id });
    }

    [HttpPost("Invoices/New")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> NewInvoice(NewInvoiceForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid || form.PatientId is not { } patientId)
        {
            return BadRequest(text["Choose the patient."].Value);
        }

        return await billing.CreateDraftAsync(patientId, form.AppointmentId, ActorId, cancellationToken) is { } invoiceId
            ? RedirectToAction(nameof(Invoice), new { id = invoiceId })
            : NotFound();
    }

    [HttpGet("Invoices/{id:guid}")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Invoice(Guid id, CancellationToken cancellationToken) =>
        await InvoicePageAsync(id, null, cancellationToken);

    [HttpGet("Invoices/{id:guid}/Print")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Print(Guid id, CancellationToken cancellationToken) =>
        await billing.ViewAsync(id, printed: true, cancellationToken) is { } details
            ? View(new PrintInvoiceViewModel(details, await billing.PracticeViewAsync(cancellationToken)))
            : NotFound();

    [HttpPost("Invoices/{id:guid}/Lines")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> AddLine(Guid id, [Bind(Prefix = "Line")] AddLineForm form, CancellationToken cancellationToken) =>
        ModelState.IsValid
            ? await AfterAsync(id, await billing.AddLineAsync(id, form, cancellationToken), "The line was added.", cancellationToken, line: form)
            : await InvoicePageAsync(id, new InvoiceForms(Line: form), cancellationToken, StatusCodes.Status400BadRequest);

    [HttpPost("Invoices/{id:guid}/Lines/{lineId:guid}/Remove")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> RemoveLine(Guid id, Guid lineId, CancellationToken cancellationToken) =>
        await AfterAsync(id, await billing.RemoveLineAsync(id, lineId, cancellationToken), "The line was removed.", cancellationToken);

    [HttpPost("Invoices/{id:guid}/Issue")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> Issue(Guid id, IssueInvoiceForm form, CancellationToken cancellationToken) =>
        ModelState.IsValid
            ? await AfterAsync(id, await billing.IssueAsync(id, form.Version!.Value, ActorId, cancellationToken), "The invoice was issued.", cancellationToken)
            : await InvoicePageAsync(id, null, cancellationToken, StatusCodes.Status400BadRequest);

    [HttpPost("Invoices/{id:guid}/Payments")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> RecordPayment(Guid id, [Bind(Prefix = "Payment")] RecordPaymentForm form, CancellationToken cancellationToken) =>
        ModelState.IsValid
            ? await AfterAsync(id, await billing.RecordPaymentAsync(id, form, ActorId, cancellationToken), "The payment was recorded.", cancellationToken, payment: form)
            : await InvoicePageAsync(id, new InvoiceForms(Payment: form), cancellationToken, StatusCodes.Status400BadRequest);

    [HttpPost("Invoices/{id:guid}/Void")]
    [RequirePermission<BillingModule>(AccessLevel.Write)]
    public async Task<IActionResult> Void(Guid id, [Bind(Prefix = "Void")] VoidInvoiceForm form, CancellationToken cancellationToken) =>
        ModelState.IsValid
            ? await AfterAsync(id, await billing.VoidAsync(id, form.Reason, ActorId, cancellationToken), "The invoice was voided. It keeps its number.", cancellationToken, @void: form)
            : await InvoicePageAsync(id, new InvoiceForms(Void: form), cancellationToken, StatusCodes.Status400BadRequest);

    private async Task<IActionResult> AfterAsync(Guid id, ChangeOutcome outcome, string notice, CancellationToken cancellationToken,
        AddLineForm? line = null, RecordPaymentForm? payment = null, VoidInvoiceForm? @void = null)
    {
        switch (outcome.Result)
        {
            case ChangeResult.Done:
                TempData["Notice"] = text[notice].Value;
                return RedirectToAction(nameof(Invoice), new { id });
            case ChangeResult.NotFound:
                return NotFound();
            default:
                ModelState.AddModelError("", text[outcome.Message!, outcome.Arguments]);
                return await InvoicePageAsync(id, new InvoiceForms(line, payment, @void), cancellationToken,
                    outcome.Result == ChangeResult.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest);
        }
    }

    private async Task<IActionResult> InvoicePageAsync(Guid id, InvoiceForms? forms, CancellationToken cancellationToken, int status = StatusCodes.Status200OK)
    {
        if (await billing.ViewAsync(id, printed: false, cancellationToken) is not { } details)
        {
            return NotFound();
        }

        forms ??= new InvoiceForms();
        var model = new InvoicePageViewModel(
            details,
            details.Invoice.IsDraft ? await billing.FeesAsync(true, cancellationToken) : [],
            forms.Line ?? new AddLineForm(),
            forms.Payment ?? new RecordPaymentForm { Amount = details.Balance > 0 ? details.Balance : null, PaidOn = billing.Today },
            forms.Void ?? new VoidInvoiceForm());
        var view = View("Invoice", model);
        view.StatusCode = status;
        return view;
    }

    // ---- Reports for the practice manager ----

    [HttpGet("Outstanding")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Outstanding(CancellationToken cancellationToken)
    {
        var rows = await figures.OutstandingAsync(OutstandingMax, cancellationToken);
        var total = await figures.OutstandingTotalAsync(cancellationToken);
        var headers = await patients.HeadersAsync(rows.Select(r => r.PatientId).Distinct().ToList(), cancellationToken);
        await billing.RecordReportAsync(BillingService.OutstandingViewed, $"{rows.Count} outstanding invoice(s) listed", headers.Keys.ToList(), cancellationToken);
        return View(new OutstandingViewModel(total, rows, headers, rows.Count == OutstandingMax));
    }

    [HttpGet("Takings")]
    [RequirePermission<BillingModule>(AccessLevel.Read)]
    public async Task<IActionResult> Takings(DateOnly? date, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            ModelState.Clear();
            ModelState.AddModelError("date", text["Enter the date as a calendar date."]);
            var invalid = View(new TakingsViewModel(billing.Today, []));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        var day = date ?? billing.Today;
        var rows = await figures.TakingsAsync(day, day, cancellationToken);
        await billing.RecordReportAsync(BillingService.TakingsViewed, $"takings of {day:yyyy-MM-dd}", [], cancellationToken);
        return View(new TakingsViewModel(day, rows));
    }

    private static ViewResult Status(ViewResult view, ChangeOutcome? outcome = null)
    {
        view.StatusCode = outcome?.Result == ChangeResult.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return view;
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}

public sealed record BillingHomeViewModel(decimal OutstandingTotal, bool PracticeDetailsSet);

public sealed record PatientInvoicesViewModel(Guid PatientId, string RecordNumber, string FullName, IReadOnlyList<InvoiceSummary> Invoices);

public sealed record InvoiceForms(AddLineForm? Line = null, RecordPaymentForm? Payment = null, VoidInvoiceForm? Void = null);

public sealed record InvoicePageViewModel(InvoiceDetails Details, IReadOnlyList<FeeItemRow> FeeItems, AddLineForm Line, RecordPaymentForm Payment, VoidInvoiceForm Void);

public sealed record PrintInvoiceViewModel(InvoiceDetails Details, PracticeView? Practice);

public sealed record OutstandingViewModel(decimal Total, IReadOnlyList<OutstandingInvoice> Rows,
    IReadOnlyDictionary<Guid, (string RecordNumber, string FullName, DateOnly DateOfBirth)> Patients, bool Truncated);

public sealed record TakingsViewModel(DateOnly Date, IReadOnlyList<TakingsByMethod> Rows)
{
    public decimal Total => Rows.Sum(r => r.Total);
}
