using GanetiWebManager.Web.Features.Audit;
using Microsoft.AspNetCore.Authorization;

namespace GanetiWebManager.Web.Features.Access;

public static class AccessServiceCollectionExtensions
{
    /// <summary>Permission rules, resource-based authorization handlers, the access guard and the audit log.</summary>
    public static IServiceCollection AddAccess(this IServiceCollection services)
    {
        services.AddSingleton<IPortalAccess, PortalAccess>();
        services.AddSingleton<IAuthorizationHandler, VmAuthorizationHandler>();
        services.AddSingleton<IAuthorizationHandler, ClusterAuthorizationHandler>();
        services.AddSingleton<IAuthorizationHandler, GroupAuthorizationHandler>();
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddSingleton<AccessGuard>();
        services.AddSingleton<Grants.GrantService>();
        return services;
    }
}
