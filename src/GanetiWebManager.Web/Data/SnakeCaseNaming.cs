using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace GanetiWebManager.Web.Data;

/// <summary>
/// Gives every table, column, key, index and foreign key a snake_case name, PostgreSQL's own
/// convention, so that operators can query the database without quoting identifiers.
/// Identity's "AspNetUsers" becomes "users" and so on.
/// </summary>
internal static class SnakeCaseNaming
{
    public static void Apply(ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (entity.IsMappedToJson())
            {
                // Stored inside a jsonb column of the owner: name the column and the JSON keys.
                if (entity.GetContainerColumnName() is { } container)
                {
                    entity.SetContainerColumnName(ToSnakeCase(container));
                }

                foreach (var property in entity.GetProperties().Where(p => !p.IsShadowProperty()))
                {
                    property.SetJsonPropertyName(ToSnakeCase(property.Name));
                }

                continue;
            }

            if (entity.IsOwned())
            {
                // Owned types share their owner's table; only their columns are renamed below.
                RenameColumns(entity);
                continue;
            }

            var table = entity.GetTableName();
            if (table is null)
            {
                continue;
            }

            entity.SetTableName(ToSnakeCase(table.StartsWith("AspNet", StringComparison.Ordinal) ? table["AspNet".Length..] : table));
            RenameColumns(entity);
        }

        // Constraint names derive from table names (fk_<dependent>_<principal>_<column>), so they are set
        // only once every table has its final name, whatever order the entity types come in.
        foreach (var entity in builder.Model.GetEntityTypes().Where(e => !e.IsOwned() && e.GetTableName() is not null))
        {
            foreach (var key in entity.GetKeys())
            {
                key.SetName(ToSnakeCase(key.GetName()!));
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName(ToSnakeCase(foreignKey.GetConstraintName()!));
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(ToSnakeCase(index.GetDatabaseName()!));
            }
        }
    }

    private static void RenameColumns(IMutableEntityType entity)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        foreach (var property in entity.GetProperties())
        {
            var column = property.GetColumnName(table);
            if (column is not null)
            {
                property.SetColumnName(ToSnakeCase(column));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        // Units read as one word: "RamMiB" -> "ram_mib", not "ram_mi_b".
        name = name.Replace("MiB", "Mib", StringComparison.Ordinal);
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                // A boundary sits before an upper-case letter that follows a lower-case letter or digit,
                // or that starts a word after an acronym ("RAPIUser" -> "rapi_user").
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || endsAcronym)
                {
                    result.Append('_');
                }

                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
