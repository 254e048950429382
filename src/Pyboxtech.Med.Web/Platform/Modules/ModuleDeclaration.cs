using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;

namespace Pyboxtech.Med.Web.Platform.Modules;

/// <summary>
/// Everything a module brings to the portal, said once in one class in the module's folder and listed once in
/// <c>Modules/ModuleCatalog.cs</c>. The platform (model building, <c>migrate</c> and its grants, navigation, the matrix
/// page, the audit viewer's names, service registration) loops over those declarations and names no module itself.
/// </summary>
public abstract class ModuleDeclaration
{
    /// <summary>The module's name in the audit trail and, for matrix modules, <see cref="MatrixModule.Key"/>. Never renamed.</summary>
    public abstract string Name { get; }

    /// <summary>How people read the module's name (navigation, the matrix, the audit viewer's choices).</summary>
    public virtual string Label => Matrix?.Label ?? Name;

    /// <summary>Names older audit rows of this module carry; a filter on the module matches them too.</summary>
    public virtual IReadOnlyList<string> FormerNames => [];

    /// <summary>The module's row in the permission matrix; null for pages every signed-in person has (their account, the dashboard).</summary>
    public virtual MatrixModule? Matrix => null;

    /// <summary>The module's entry in the side navigation, if it has pages of its own to open.</summary>
    public virtual NavigationItem? Navigation => null;

    /// <summary>The module's PostgreSQL schema and what the runtime role may do in it.</summary>
    public virtual ModuleSchema? Schema => null;

    /// <summary>The module's block of 100 record event numbers inside 3000-3999, and the events it has named there.</summary>
    public virtual AuditEventBlock? Events => null;

    /// <summary>The kinds of thing this module's audit rows are about (<see cref="AuditEntry.SubjectType"/>).</summary>
    public virtual IReadOnlyList<string> AuditSubjects => [];

    /// <summary>
    /// Those of <see cref="AuditSubjects"/> whose subject id is a patient's id: the audit viewer shows their record
    /// number and finds them when a record number is typed, so an auditor asking about one patient sees every row.
    /// </summary>
    public virtual IReadOnlyList<string> PatientAuditSubjects => [];

    /// <summary>Maps the module's entities (tables in its own schema).</summary>
    public virtual void ConfigureModel(ModelBuilder model)
    {
    }

    public virtual void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    /// <summary>Maintenance commands the module adds to the portal's command line (<c>dotnet Pyboxtech.Med.Web.dll name args</c>).</summary>
    public virtual IReadOnlyDictionary<string, Func<IServiceProvider, string[], Task<int>>> Commands { get; } =
        new Dictionary<string, Func<IServiceProvider, string[], Task<int>>>();

    /// <summary>Upkeep <c>migrate</c> runs as the owner role once the schema is current; returns what it did, to log, or null.</summary>
    public virtual Task<string?> MaintainAfterMigrationAsync(Data.MedDbContext db, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);

    /// <summary>Whether a type (a controller, a service) lives in this module's folder.</summary>
    public bool Owns(Type type) =>
        type.Namespace is { } ns && (ns == GetType().Namespace || ns.StartsWith(GetType().Namespace + ".", StringComparison.Ordinal));
}

/// <summary>
/// A module's schema. <paramref name="RuntimePrivileges"/> is what the runtime role may do on its tables:
/// SELECT, INSERT, UPDATE; DELETE only where a record may really vanish.
/// </summary>
public sealed record ModuleSchema(string Name, string RuntimePrivileges);

/// <summary>
/// A module's 100 record event numbers, <paramref name="First"/> to <paramref name="First"/> + 99, inside 3000-3999,
/// and the events it names there, as people read them.
/// </summary>
public sealed record AuditEventBlock(int First, IReadOnlyDictionary<int, string> Named)
{
    public const int Size = 100;

    public bool Contains(int eventNumber) => eventNumber >= First && eventNumber < First + Size;
}

/// <summary>A module with a row in the permission matrix: its name is the row's key.</summary>
public abstract class MatrixModuleDeclaration<TSelf> : ModuleDeclaration
    where TSelf : IMatrixModuleDeclaration
{
    public sealed override string Name => TSelf.Access.Key;

    public sealed override MatrixModule Matrix => TSelf.Access;
}
