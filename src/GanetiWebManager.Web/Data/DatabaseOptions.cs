using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Data;

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>Npgsql connection string of the portal's PostgreSQL database.</summary>
    [Required(ErrorMessage = "Database:ConnectionString is required (the PostgreSQL database of the portal).")]
    public string ConnectionString { get; set; } = "";
}
