using System.Globalization;
using System.Text;

namespace GanetiWebManager.Web.Features.Audit;

/// <summary>
/// The audit log as CSV (RFC 4180: comma separated, CRLF line ends, fields with a comma, quote or line break
/// quoted). Names in the log come from users (VM names, group names, reasons), and a spreadsheet runs a cell that
/// starts with <c>= + - @</c>, tab or carriage return as a formula: such a field gets a leading apostrophe, which
/// spreadsheets show as text and everyone else can strip.
/// </summary>
public static class AuditCsv
{
    public const string Header = "time_utc,actor,persona,action,outcome,reason,cluster,vm,node,user,group,job_id,before,after\r\n";

    public static string Line(AuditRow row)
    {
        var line = new StringBuilder(256);
        void Field(string? value, bool last = false)
        {
            line.Append(Escape(value));
            line.Append(last ? "\r\n" : ",");
        }

        Field(row.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Field(row.ActorName);
        Field(row.Persona);
        Field(row.Action);
        Field(row.Outcome.ToString().ToLowerInvariant());
        Field(row.Reason);
        Field(row.ClusterSlug);
        Field(row.VmName);
        Field(row.NodeName);
        Field(row.SubjectUserName);
        Field(row.GroupSlug);
        Field(row.JobId?.ToString(CultureInfo.InvariantCulture));
        Field(row.Before);
        Field(row.After, last: true);
        return line.ToString();
    }

    /// <summary>One field: neutralised if a spreadsheet would run it, quoted if it needs to be.</summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }
}
