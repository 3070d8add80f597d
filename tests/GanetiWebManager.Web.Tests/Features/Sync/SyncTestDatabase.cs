using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Tests.Features.Sync;

/// <summary>Reads what the sync wrote.</summary>
internal static class SyncTestDatabase
{
    public static async Task<T> QueryAsync<T>(IDbContextFactory<AppDbContext> factory, Func<AppDbContext, Task<T>> query)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await query(db);
    }
}
