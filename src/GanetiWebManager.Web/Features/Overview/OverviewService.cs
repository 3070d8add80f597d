using GanetiWebManager.Web.Features.Accounts;
using GanetiWebManager.Web.Features.Health;
using Microsoft.AspNetCore.Components.Authorization;

namespace GanetiWebManager.Web.Features.Overview;

/// <summary>What the overview page shows. Until per-object permissions exist, only superusers see clusters.</summary>
public sealed class OverviewService(ClusterHealthReader clusterHealth, AuthenticationStateProvider authentication)
{
    public async Task<IReadOnlyList<ClusterHealth>> GetClustersAsync(CancellationToken ct)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.IsSuperuser() ? await clusterHealth.ReadAllAsync(ct) : [];
    }
}
