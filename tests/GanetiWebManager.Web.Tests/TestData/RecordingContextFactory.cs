using System.Collections.Concurrent;
using System.Data.Common;
using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace GanetiWebManager.Web.Tests.TestData;

/// <summary>
/// Opens portal DbContexts that remember every SQL command they run (text and parameters), so a test can
/// replay exactly what a service sent under EXPLAIN ANALYZE.
/// </summary>
public sealed class RecordingContextFactory : IDbContextFactory<AppDbContext>
{
    private readonly DbContextOptions<AppDbContext> _options;
    private readonly CommandRecorder _recorder = new();

    public RecordingContextFactory(NpgsqlDataSource dataSource) =>
        _options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(dataSource).AddInterceptors(_recorder).Options;

    public IReadOnlyList<RecordedCommand> Commands => [.. _recorder.Commands];

    public void Clear() => _recorder.Commands.Clear();

    public AppDbContext CreateDbContext() => new(_options);

    public sealed record RecordedCommand(string Sql, IReadOnlyList<NpgsqlParameter> Parameters);

    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public ConcurrentQueue<RecordedCommand> Commands { get; } = new();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Enqueue(new RecordedCommand(
                command.CommandText,
                [.. command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone())]));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
