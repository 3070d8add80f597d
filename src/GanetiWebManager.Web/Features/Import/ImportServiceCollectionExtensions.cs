using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Search;

namespace GanetiWebManager.Web.Features.Import;

public static class ImportServiceCollectionExtensions
{
    /// <summary>
    /// The admin tools of issue 5 §5–§7: import, the audit log views and the global search. Scoped like the other
    /// query services (one per circuit); each opens its own DbContext per operation.
    /// </summary>
    public static IServiceCollection AddImportAuditAndSearch(this IServiceCollection services)
    {
        services.AddScoped<ImportQueries>();
        services.AddScoped<ImportService>();
        services.AddScoped<AuditQueries>();
        services.AddScoped<SearchQueries>();
        return services;
    }
}
