using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Patients;

[Route("Patients")]
public sealed class PatientsController(PatientService patients, IStringLocalizer<PatientsResources> text) : Controller
{
    [HttpGet("")]
    [RequirePermission<PatientsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(string? q, CancellationToken cancellationToken)
    {
        if (q is { Length: > 200 } || (q is not null && !PlainText.IsPlain(q)))
        {
            ModelState.AddModelError("q", q.Length > 200 ? "The search text is too long." : "The search text contains characters that cannot be typed.");
            var invalid = View(new PatientSearchViewModel(PlainText.Clean(q, 200), []));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        var rows = string.IsNullOrWhiteSpace(q) ? [] : await patients.SearchAsync(q, cancellationToken);
        return View(new PatientSearchViewModel(q, rows));
    }

    [HttpGet("New")]
    [RequirePermission<PatientsModule>(AccessLevel.Write)]
    public IActionResult Register() => View(new RegisterPatientViewModel(new EditPatientForm(), []));

    [HttpPost("New")]
    [RequirePermission<PatientsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Register(EditPatientForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var outcome = await patients.RegisterAsync(form, ActorId, cancellationToken);
            if (outcome.Patient is { } patient)
            {
                TempData["Notice"] = text["{0} is registered as {1}.", patient.FullName, patient.MedicalRecordNumber].Value;
                return RedirectToAction(nameof(Details), new { id = patient.Id });
            }

            ModelState.AddModelError("", "A patient with the same name and date of birth is already registered. Open the record below, or tick the box to confirm this is a different person.");
            return Invalid(View(new RegisterPatientViewModel(form, outcome.PossibleDuplicates)));
        }

        return Invalid(View(new RegisterPatientViewModel(form, [])));
    }

    [HttpGet("{id:guid}")]
    [RequirePermission<PatientsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Details(Guid id, CancellationToken cancellationToken) =>
        await patients.ViewWithCareTeamsAsync(id, cancellationToken) is var (patient, teams)
            ? View(PatientDetailsViewModel.Of(patient) with { CareTeams = teams })
            : NotFound();

    [HttpGet("{id:guid}/Edit")]
    [RequirePermission<PatientsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Edit(Guid id, CancellationToken cancellationToken) =>
        await patients.ViewAsync(id, cancellationToken) is { } patient ? View(new EditPatientViewModel(id, patient.FullName, patient.MedicalRecordNumber, FormOf(patient))) : NotFound();

    [HttpPost("{id:guid}/Edit")]
    [RequirePermission<PatientsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Edit(Guid id, EditPatientForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            switch (await patients.UpdateAsync(id, form, ActorId, cancellationToken))
            {
                case null:
                    return NotFound();
                case true:
                    TempData["Notice"] = "The patient's details were saved.";
                    return RedirectToAction(nameof(Details), new { id });
                case false:
                    if (await patients.DifferencesAsync(id, form, cancellationToken) is not { } current)
                    {
                        return NotFound();
                    }

                    // The form keeps what the person typed and now carries the saved version: saving again is a
                    // knowing choice, made after checking the fields named here.
                    form.Version = current.Version;
                    ModelState.AddModelError("", current.Fields.Count == 0
                        ? "Someone else changed this patient while you were editing, to exactly what this form says. Nothing else differs."
                        : $"Someone else changed this patient while you were editing. This form now differs from the saved record in: {string.Join(", ", current.Fields)}. Check those fields; saving again keeps what is on this form.");
                    return Invalid(View(new EditPatientViewModel(id, $"{form.GivenNames} {form.FamilyName}", "", form)), StatusCodes.Status409Conflict);
            }
        }

        return Invalid(View(new EditPatientViewModel(id, $"{form.GivenNames} {form.FamilyName}", "", form)));
    }

    private static ViewResult Invalid(ViewResult view, int status = StatusCodes.Status400BadRequest)
    {
        view.StatusCode = status;
        return view;
    }

    private static EditPatientForm FormOf(Patient p) => new()
    {
        FamilyName = p.FamilyName,
        GivenNames = p.GivenNames,
        DateOfBirth = p.DateOfBirth,
        Sex = p.Sex,
        Phone = p.Phone,
        Email = p.Email,
        AddressLine = p.AddressLine,
        Suburb = p.Suburb,
        State = p.State,
        Postcode = p.Postcode,
        MedicareNumber = p.MedicareNumber,
        MedicareReference = p.MedicareReference,
        InsuranceNumber = p.InsuranceNumber,
        Version = p.Version,
    };

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}

public sealed record PatientSearchViewModel([property: System.ComponentModel.DataAnnotations.Display(Name = "Search patients")] string? Query, IReadOnlyList<PatientSearchRow> Results);

public sealed record RegisterPatientViewModel(EditPatientForm Form, IReadOnlyList<PatientSearchRow> PossibleDuplicates);

public sealed record EditPatientViewModel(Guid Id, string Name, string MedicalRecordNumber, EditPatientForm Form);
