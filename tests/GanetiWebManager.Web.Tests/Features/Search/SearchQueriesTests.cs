using System.Diagnostics;
using System.Security.Claims;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GanetiWebManager.Web.Tests.Features.Search;

/// <summary>The global search never shows what the user may not see (ADR 0013), and stays fast on 50,000 VMs.</summary>
public sealed class SearchQueriesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IServiceScope? _scope;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private InventoryBuilder _build = null!;
    private Cluster _open = null!;
    private Cluster _hidden = null!;
    private AppUser _uma = null!;
    private AppUser _mate = null!;
    private AppUser _stranger = null!;
    private Group _crew = null!;
    private Group _others = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("searchq");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _build = new InventoryBuilder(_contexts);
        _open = await _build.AddClusterAsync("zulu-open");
        _hidden = await _build.AddClusterAsync("zulu-hidden");
        await _build.AddNodeAsync(_open, "zulu-node.open.invalid");
        await _build.AddNodeAsync(_hidden, "zulu-node.hidden.invalid");
        _uma = await _build.AddUserAsync("zulu-uma");
        _mate = await _build.AddUserAsync("zulu-mate");
        _stranger = await _build.AddUserAsync("zulu-stranger");
        _crew = await _build.AddGroupAsync("zulu-crew", "Zulu crew");
        _others = await _build.AddGroupAsync("zulu-others", "Zulu others");
        var granted = await _build.AddVmAsync(_open, "zulu-granted.open.invalid");
        await _build.AddVmAsync(_open, "zulu-crewvm.open.invalid", v => v.OwnerGroupId = _crew.Id);
        await _build.AddVmAsync(_open, "zulu-notmine.open.invalid");
        await _build.AddVmAsync(_hidden, "zulu-secret.hidden.invalid");
        await using var db = await _contexts.CreateDbContextAsync();
        db.GroupMembers.AddRange(new GroupMember { GroupId = _crew.Id, UserId = _uma.Id }, new GroupMember { GroupId = _crew.Id, UserId = _mate.Id },
            new GroupMember { GroupId = _others.Id, UserId = _stranger.Id });
        db.VmGrants.Add(new VmGrant { VirtualMachineId = granted.Id, UserId = _uma.Id, Permissions = VmPermissions.Power });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        _scope?.Dispose();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    // One scope, like one circuit: the query services are scoped.
    private IServiceProvider Scoped => (_scope ??= _services.CreateScope()).ServiceProvider;

    private static ClaimsPrincipal Principal(AppUser user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));

    private SearchQueries Search => Scoped.GetRequiredService<SearchQueries>();

    private async Task<List<string>> FoundAsync(ClaimsPrincipal user, string term) =>
        [.. (await Search.SearchAsync(user, term, default)).SelectMany(g => g.Hits).Select(h => $"{h.Kind}:{h.Label}")];

    [Fact]
    public async Task SearchAsync_MemberWithOneGrant_SeesOnlyWhatTheyMay()
    {
        var found = await FoundAsync(Principal(_uma), "zulu");

        found.ShouldBe(
            [
                "Cluster:zulu-open",
                "VirtualMachine:zulu-crewvm.open.invalid", "VirtualMachine:zulu-granted.open.invalid",
                "User:zulu-mate", "User:zulu-uma",
                "Group:Zulu crew",
            ],
            ignoreOrder: true);
    }

    [Fact]
    public async Task SearchAsync_Superuser_SeesEverything_ClusterAdminNodes()
    {
        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        var all = await FoundAsync(superuser, "zulu");
        all.ShouldContain("VirtualMachine:zulu-secret.hidden.invalid");
        all.ShouldContain("Node:zulu-node.hidden.invalid");
        all.ShouldContain("User:zulu-stranger");
        all.ShouldContain("Group:Zulu others");

        await using (var db = await _contexts.CreateDbContextAsync())
        {
            db.ClusterGrants.Add(new ClusterGrant { ClusterId = _open.Id, UserId = _stranger.Id, Permissions = ClusterPermissions.Admin });
            await db.SaveChangesAsync();
        }

        var admin = await FoundAsync(Principal(_stranger), "zulu");
        admin.ShouldContain("Node:zulu-node.open.invalid");
        admin.ShouldContain("VirtualMachine:zulu-notmine.open.invalid");
        admin.ShouldNotContain(h => h.Contains("hidden", StringComparison.Ordinal));
        admin.ShouldNotContain("User:zulu-uma");   // cluster admins find other people through the grant picker, not here
    }

    [Fact]
    public async Task SuggestAsync_SignedOutShortOrWildcard_Nothing()
    {
        (await Search.SuggestAsync(TestPrincipals.Anonymous(), "zulu", default)).ShouldBeEmpty();
        (await Search.SuggestAsync(Principal(_uma), "z", default)).ShouldBeEmpty();
        (await Search.SuggestAsync(Principal(_uma), "%%", default)).ShouldBeEmpty();
        (await Search.SuggestAsync(Principal(_uma), "__", default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SuggestAsync_FiftyThousandVms_FastAndCapped()
    {
        var superuser = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        await BulkInventory.SeedAsync(_database.ConnectionString, vms: 50_000);

        var user = Principal(_uma);
        List<double> times = [];
        foreach (var term in new[] { "web-004242", "zulu-gr", "db-00001", "example", "ci-049999", "zz-nothing", "bookworm", "mail-0007" })
        {
            foreach (var who in new[] { superuser, user })
            {
                var watch = Stopwatch.StartNew();
                var hits = await Search.SuggestAsync(who, term, default);
                times.Add(watch.Elapsed.TotalMilliseconds);
                output.WriteLine($"{term,-12} {(ReferenceEquals(who, user) ? "member" : "superuser"),-10} {watch.Elapsed.TotalMilliseconds,8:F1} ms");
                hits.Count(h => h.Kind == SearchKind.VirtualMachine).ShouldBeLessThanOrEqualTo(SearchQueries.SuggestionsPerKind);
            }
        }

        times.Sort();
        var p95 = times[(int)Math.Ceiling(times.Count * 0.95) - 1];
        output.WriteLine($"search suggestions over 50,000 VMs: median {times[times.Count / 2]:F1} ms, p95 {p95:F1} ms, max {times[^1]:F1} ms");
        (await Search.SuggestAsync(user, "example.org", default)).ShouldBeEmpty();   // none of them is hers
        times[times.Count / 2].ShouldBeLessThan(200, "median of the suggestion queries");
    }
}
