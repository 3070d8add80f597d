using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Data;

/// <summary>
/// Keeps the Data Protection key ring in the database, so cookies and encrypted cluster passwords
/// stay readable after a restart and across several portal instances (product-spec §14).
/// The interface is synchronous by design of ASP.NET Core; it is called rarely (key ring refresh).
/// </summary>
internal sealed class DatabaseXmlRepository(IDbContextFactory<AppDbContext> contextFactory) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = contextFactory.CreateDbContext();
        return [.. db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = contextFactory.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
