using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Passwords;

/// <summary>Issue 4 §1: 8 to 128 characters, no composition rules, PBKDF2 ≥ 210,000 iterations, lockout after 5 failures for ≥ 5 minutes.</summary>
public sealed class PasswordHardeningTests : IAsyncLifetime
{
    private AccountsWorld _world = null!;

    public async Task InitializeAsync() => _world = await AccountsWorld.CreateAsync("hardening");

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Theory]
    [InlineData(7, false)]
    [InlineData(8, true)]
    [InlineData(128, true)]
    [InlineData(129, false)]
    public async Task CreateAsync_PasswordLength_OnlyLengthDecides(int length, bool accepted)
    {
        // Lower-case letters only: no digit, capital or symbol is ever demanded.
        var password = new string('a', length);
        await using var scope = _world.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();

        var result = await users.CreateAsync(new AppUser { UserName = $"len{length}" }, password);

        result.Succeeded.ShouldBe(accepted, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    [Fact]
    public async Task StoredHash_IsPbkdf2WithAtLeast210000Iterations()
    {
        var user = await _world.CreateUserAsync("hashy", "correct horse battery staple");
        var hash = Convert.FromBase64String((await _world.ReloadUserAsync(user.Id)).PasswordHash!);

        // Identity v3 format: 0x01, PRF (uint32 BE: 2 = HMAC-SHA512), iteration count (uint32 BE), salt length, salt, subkey.
        hash[0].ShouldBe((byte)0x01);
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)).ShouldBe(2u);
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5)).ShouldBeGreaterThanOrEqualTo(210_000u);
    }

    [Fact]
    public async Task FiveFailures_LockTheAccountForAtLeastFiveMinutes()
    {
        var user = await _world.CreateUserAsync("locky");
        var options = _world.Services.GetRequiredService<IOptions<IdentityOptions>>().Value;
        await using var scope = _world.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var tracked = (await users.FindByIdAsync(user.Id.ToString()))!;
        var start = TimeProvider.System.GetUtcNow();

        for (var i = 0; i < 4; i++)
        {
            await users.AccessFailedAsync(tracked);
        }

        (await users.IsLockedOutAsync(tracked)).ShouldBeFalse("four failures do not lock");
        await users.AccessFailedAsync(tracked);

        options.Lockout.MaxFailedAccessAttempts.ShouldBe(5);
        (await users.IsLockedOutAsync(tracked)).ShouldBeTrue();
        (await users.GetLockoutEndDateAsync(tracked))!.Value.ShouldBeGreaterThanOrEqualTo(start.AddMinutes(5).AddSeconds(-1));
    }
}
