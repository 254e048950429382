using System.Security.Claims;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// How the matrix combines a person's roles and their own restriction, without a portal: the highest role wins, a
/// restriction only lowers, and nobody signed out reaches anything.
/// </summary>
public sealed class MatrixSnapshotTests
{
    private static readonly MatrixModule Notes = new("Notes", 3, "Notes");
    private static readonly MatrixModule Other = new("Other", 4, "Other");
    private static readonly Guid Capped = Guid.NewGuid();
    private static readonly Guid Free = Guid.NewGuid();

    private static readonly MatrixSnapshot Matrix = new(
        new Dictionary<string, Dictionary<int, AccessLevel>>(StringComparer.Ordinal)
        {
            ["Doctor"] = new() { [3] = AccessLevel.Write },
            ["Student"] = new() { [3] = AccessLevel.Read },
            ["Reception"] = new() { [4] = AccessLevel.Write },
        },
        new Dictionary<Guid, Dictionary<int, AccessLevel>> { [Capped] = new() { [3] = AccessLevel.Read, [4] = AccessLevel.Write } });

    [Theory]
    [InlineData(new[] { "Student", "Doctor" }, AccessLevel.Write)] // the highest role wins, in any order
    [InlineData(new[] { "Doctor", "Student" }, AccessLevel.Write)]
    [InlineData(new[] { "Student" }, AccessLevel.Read)]
    [InlineData(new[] { "Reception" }, AccessLevel.None)] // a role without a cell in this module
    [InlineData(new[] { "Unknown" }, AccessLevel.None)]
    [InlineData(new string[0], AccessLevel.None)]
    public void Effective_ByRoles_IsTheHighestCell(string[] roles, AccessLevel expected) =>
        Assert.Equal(expected, Matrix.Effective(roles, Free, Notes));

    [Fact]
    public void Effective_ARestriction_LowersButNeverRaises()
    {
        Assert.Equal(AccessLevel.Read, Matrix.Effective(["Doctor"], Capped, Notes));
        Assert.Equal(AccessLevel.Read, Matrix.Effective(["Student"], Capped, Notes));
        // A cap of Write on a module the roles give nothing stays nothing.
        Assert.Equal(AccessLevel.None, Matrix.Effective(["Doctor"], Capped, Other));
        Assert.Equal(AccessLevel.Write, Matrix.Effective(["Reception"], Capped, Other));
        Assert.Equal(AccessLevel.Read, Matrix.Restriction(Capped, Notes));
        Assert.Null(Matrix.Restriction(Free, Notes));
    }

    [Fact]
    public void Effective_OfAPrincipal_ReadsItsRolesAndId_AndIsNothingWhenSignedOut()
    {
        Claim[] claims = [new(ClaimTypes.NameIdentifier, Capped.ToString()), new(ClaimTypes.Role, "Doctor")];

        Assert.Equal(AccessLevel.Read, Matrix.Effective(new ClaimsPrincipal(new ClaimsIdentity(claims, "test")), Notes));
        Assert.Equal(AccessLevel.Write, Matrix.Effective(new ClaimsPrincipal(new ClaimsIdentity([new(ClaimTypes.Role, "Doctor")], "test")), Notes));
        Assert.Equal(AccessLevel.None, Matrix.Effective(new ClaimsPrincipal(new ClaimsIdentity(claims)), Notes));
    }
}
