using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Data;

/// <summary>
/// The model the code declares (tables, keys, lengths, indexes, foreign keys) is the one the migrations build: a change
/// of the model without its migration would make the portal read and write columns the database does not have.
/// </summary>
public sealed class ModelMigrationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task TheModel_HasNoChangeLeftWithoutItsMigration() =>
        Assert.False(await portal.WithDbAsync(db => Task.FromResult(db.Database.HasPendingModelChanges())));
}
