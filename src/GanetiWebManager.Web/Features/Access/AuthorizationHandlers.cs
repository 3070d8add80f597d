using GanetiWebManager.Web.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Access;

// ASP.NET Core resource-based authorization over AccessRules: every check reads the user's scope and the
// object's facts from the database at the moment it runs, so nothing cached in a page or a cookie grants
// what has been taken away.

internal sealed class VmAuthorizationHandler(IDbContextFactory<AppDbContext> contexts, IPortalAccess access)
    : AuthorizationHandler<VmOperation, VmResource>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, VmOperation requirement, VmResource resource)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var scope = await access.ScopeAsync(db, context.User, CancellationToken.None);
        var vm = await access.OnVmAsync(db, scope, resource.Id, CancellationToken.None);
        if (vm.Has(requirement.Required))
        {
            context.Succeed(requirement);
        }
    }
}

internal sealed class ClusterAuthorizationHandler(IDbContextFactory<AppDbContext> contexts, IPortalAccess access)
    : AuthorizationHandler<ClusterOperation, ClusterResource>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ClusterOperation requirement, ClusterResource resource)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var scope = await access.ScopeAsync(db, context.User, CancellationToken.None);
        var allowed = requirement.ViewOnly
            ? await access.CanViewClusterAsync(db, scope, resource.Id, CancellationToken.None)
            : requirement == ClusterOperation.ViewNodes
                ? AccessRules.CanViewNodes(scope, resource.Id)
                : AccessRules.HasOnCluster(scope, resource.Id, requirement.Required);
        if (allowed)
        {
            context.Succeed(requirement);
        }
    }
}

internal sealed class GroupAuthorizationHandler(IPortalAccess access) : AuthorizationHandler<GroupOperation, GroupResource>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, GroupOperation requirement, GroupResource resource)
    {
        var scope = await access.ScopeAsync(context.User, CancellationToken.None);
        if (AccessRules.CanManageGroup(scope, resource.Id))
        {
            context.Succeed(requirement);
        }
    }
}
