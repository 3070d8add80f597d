using System.Buffers.Binary;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Accounts;

public sealed class SuperuserBootstrapperTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("bootstrap");

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task EnsureSuperuserAsync_NoPasswordConfigured_GeneratesOnePrintedOnceThatSignsIn()
    {
        await using var services = await PortalServices.CreateAsync(_database);
        var bootstrapper = services.GetRequiredService<SuperuserBootstrapper>();
        var console = new StringWriter();

        (await bootstrapper.EnsureSuperuserAsync(console, CancellationToken.None)).ShouldBeTrue();
        var printed = console.ToString();
        var password = printed.Split('\n').Select(l => l.Trim()).Single(l => l.Length == 20);

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admin = (await users.FindByNameAsync("admin")).ShouldNotBeNull();
        admin.IsSuperuser.ShouldBeTrue();
        (await users.CheckPasswordAsync(admin, password)).ShouldBeTrue();

        var again = new StringWriter();
        (await bootstrapper.EnsureSuperuserAsync(again, CancellationToken.None)).ShouldBeFalse();
        again.ToString().ShouldBeEmpty("the password is shown only on the start that created it");
    }

    [Fact]
    public async Task EnsureSuperuserAsync_PasswordConfigured_UsesItAndPrintsNothing()
    {
        await using var services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?>
        {
            ["Bootstrap:SuperuserName"] = "root-admin",
            ["Bootstrap:SuperuserPassword"] = "a long configured passphrase",
        });
        var console = new StringWriter();

        await services.GetRequiredService<SuperuserBootstrapper>().EnsureSuperuserAsync(console, CancellationToken.None);

        console.ToString().ShouldBeEmpty();
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = (await users.FindByNameAsync("root-admin")).ShouldNotBeNull();
        (await users.CheckPasswordAsync(user, "a long configured passphrase")).ShouldBeTrue();
    }

    [Fact]
    public async Task EnsureSuperuserAsync_StoredHash_UsesAtLeast210000Pbkdf2Iterations()
    {
        await using var services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?> { ["Bootstrap:SuperuserPassword"] = "another passphrase" });
        await services.GetRequiredService<SuperuserBootstrapper>().EnsureSuperuserAsync(TextWriter.Null, CancellationToken.None);

        await using var scope = services.CreateAsyncScope();
        var user = (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByNameAsync("admin")).ShouldNotBeNull();
        // Identity v3 hash layout: format marker 0x01, PRF (4 bytes), iteration count (4 bytes, big-endian), ...
        var hash = Convert.FromBase64String(user.PasswordHash!);
        hash[0].ShouldBe((byte)0x01);
        BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5, 4)).ShouldBeGreaterThanOrEqualTo(210_000u);
    }
}
