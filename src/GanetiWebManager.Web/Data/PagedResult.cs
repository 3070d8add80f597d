namespace GanetiWebManager.Web.Data;

/// <summary>One page of a list that is paged in the database; <see cref="Total"/> counts every matching row.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Rows, int Total, int Page, int PageSize)
{
    public int PageCount => Total == 0 ? 1 : (Total + PageSize - 1) / PageSize;

    /// <summary>1-based position of the first row shown (0 when there is none).</summary>
    public int FirstRow => Rows.Count == 0 ? 0 : ((Page - 1) * PageSize) + 1;

    public int LastRow => Rows.Count == 0 ? 0 : FirstRow + Rows.Count - 1;
}

public static class PagedResult
{
    public static PagedResult<T> Empty<T>(int pageSize) => new([], 0, 1, pageSize);
}

/// <summary>Turns a requested page into a valid one: links outlive the data they were made for.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;

    public const int MaxPageSize = 200;

    public static int ClampPageSize(int pageSize) => pageSize <= 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);

    /// <summary>The requested page, or the last one when the list has shrunk below it since the link was made.</summary>
    public static int ClampPage(int page, int total, int pageSize)
    {
        var last = Math.Max(1, (total + pageSize - 1) / pageSize);
        return Math.Clamp(page, 1, last);
    }
}
