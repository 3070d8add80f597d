using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Data;

/// <summary>The triggers of migration 0005 move the owner-directory version exactly when owner names change.</summary>
public sealed class OwnerDirectoryVersionTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("ownerver");
        _services = await PortalServices.CreateAsync(_database);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Version_MovesOnUserAndGroupNameChanges_NotOnOtherUpdates()
    {
        var start = await VersionAsync();
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var alice = new AppUser { UserName = "alice" };
        (await users.CreateAsync(alice, "a long enough password")).Succeeded.ShouldBeTrue();
        var afterCreate = await VersionAsync();

        alice.Email = "alice@example.org";
        await users.UpdateAsync(alice);
        var afterUnrelatedChange = await VersionAsync();

        await users.SetUserNameAsync(alice, "alice2");
        var afterRename = await VersionAsync();

        await using (var db = await _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.Groups.Add(new Group { Slug = "ops", Name = "Operations" });
            await db.SaveChangesAsync();
        }

        var afterGroup = await VersionAsync();
        await users.DeleteAsync(alice);
        var afterDelete = await VersionAsync();

        afterCreate.ShouldNotBe(start);
        afterUnrelatedChange.ShouldBe(afterCreate, "an e-mail change does not touch owner names");
        afterRename.ShouldNotBe(afterUnrelatedChange);
        afterGroup.ShouldNotBe(afterRename);
        afterDelete.ShouldNotBe(afterGroup);
    }

    private async Task<string> VersionAsync() =>
        await OwnerDirectory.FingerprintAsync(_services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
}
