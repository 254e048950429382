using System.ComponentModel.DataAnnotations;

namespace Pyboxtech.Med.Web.Modules.CareTeams;

/// <summary>A team's name, description and lead, as the New and Edit pages post them.</summary>
public sealed class CareTeamForm
{
    public const int NameMaxLength = 100;
    public const int DescriptionMaxLength = 500;

    [Display(Name = "Name")]
    public string? Name { get; set; }

    [Display(Name = "Description")]
    public string? Description { get; set; }

    [Display(Name = "Lead")]
    public Guid? LeadUserId { get; set; }

    /// <summary>The team's row version when the form was opened: a colleague's save in between is not overwritten.</summary>
    public uint? Version { get; set; }
}

/// <summary>A row of the teams list.</summary>
public sealed record CareTeamRow(
    Guid Id, string Name, string? Lead, int Members, int Patients, DateTimeOffset ReviewedAt, bool ReviewOverdue, bool Archived);

public sealed record CareTeamListViewModel(IReadOnlyList<CareTeamRow> Teams, bool ShowArchived, bool CanWrite);

/// <summary>A member of a team as its page shows them.</summary>
public sealed record CareTeamMemberRow(Guid UserId, string DisplayName, string UserName, IReadOnlyList<string> Roles, bool IsDefaultTeam, bool IsLead, bool IsActive, string? OtherDefaultTeam);

public sealed record CareTeamPatientRow(Guid Id, string RecordNumber, string FullName, DateOnly DateOfBirth);

/// <summary>A person who may be added to a team: active, and their roles open clinical records.</summary>
public sealed record CareTeamCandidate(Guid Id, string DisplayName, string UserName);

public sealed record CareTeamSummary(
    Guid Id, string Name, string? Description, string? Lead, DateTimeOffset CreatedAt, DateTimeOffset ReviewedAt, string? ReviewedBy, DateTimeOffset? ArchivedAt, bool ReviewOverdue);

public sealed record CareTeamDetailsViewModel(
    CareTeamSummary Team,
    IReadOnlyList<CareTeamMemberRow> Members,
    IReadOnlyList<CareTeamCandidate> Candidates,
    IReadOnlyList<CareTeamPatientRow> Patients,
    int PatientCount,
    int Page,
    bool CanWrite)
{
    public const int PageSize = 50;

    public int Pages => Math.Max(1, (PatientCount + PageSize - 1) / PageSize);
}

public sealed record CareTeamEditViewModel(Guid? Id, CareTeamForm Form, IReadOnlyList<CareTeamMemberRow> Members);

public sealed record WholePracticeRole(Guid Id, string Name, string Description, bool SeesWholePractice);

public sealed record WholePracticeViewModel(IReadOnlyList<WholePracticeRole> Roles, bool CanWrite);
