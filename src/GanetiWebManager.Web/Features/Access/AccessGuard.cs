using System.Security.Claims;
using GanetiWebManager.Web.Features.Audit;
using Microsoft.AspNetCore.Authorization;

namespace GanetiWebManager.Web.Features.Access;

/// <summary>
/// The one way feature services ask "may this user do this now?": ASP.NET Core resource-based authorization
/// (the handlers apply <see cref="AccessRules"/> to fresh data), and a refusal is written to the audit log
/// before the caller returns its message. Call it before any RAPI request or database change.
/// </summary>
public sealed class AccessGuard(IAuthorizationService authorization, IPortalAccess access, IAuditLog audit)
{
    /// <summary>Whether <paramref name="user"/> may perform <paramref name="operation"/>; a refusal is audited as <paramref name="action"/>.</summary>
    public Task<bool> AllowsAsync(ClaimsPrincipal user, VmResource vm, VmOperation operation, string action, CancellationToken ct) =>
        CheckAsync(user, vm, operation, action, $"needs {operation.Name} on the virtual machine", ct);

    /// <inheritdoc cref="AllowsAsync(ClaimsPrincipal, VmResource, VmOperation, string, CancellationToken)"/>
    public Task<bool> AllowsAsync(ClaimsPrincipal user, ClusterResource cluster, ClusterOperation operation, string action, CancellationToken ct) =>
        CheckAsync(user, cluster, operation, action, $"needs {operation.Name} on the cluster", ct);

    /// <inheritdoc cref="AllowsAsync(ClaimsPrincipal, VmResource, VmOperation, string, CancellationToken)"/>
    public Task<bool> AllowsAsync(ClaimsPrincipal user, GroupResource group, GroupOperation operation, string action, CancellationToken ct) =>
        CheckAsync(user, group, operation, action, "needs admin on the group", ct);

    /// <summary>Superuser-only actions (clusters registry, users, groups): refused ones are audited too.</summary>
    public async Task<bool> AllowsSuperuserAsync(ClaimsPrincipal user, string action, CancellationToken ct)
    {
        var scope = await access.ScopeAsync(user, ct);
        if (scope.IsSuperuser)
        {
            return true;
        }

        await audit.RecordRefusalAsync(user, action, null, "needs superuser", ct);
        return false;
    }

    private async Task<bool> CheckAsync(ClaimsPrincipal user, object resource, IAuthorizationRequirement requirement, string action, string reason, CancellationToken ct)
    {
        var result = await authorization.AuthorizeAsync(user, resource, requirement);
        if (result.Succeeded)
        {
            return true;
        }

        await audit.RecordRefusalAsync(user, action, resource, reason, ct);
        return false;
    }
}
