using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>One job log line, sent by RAPI as <c>[serial, [sec, usec], type, message]</c>.</summary>
/// <param name="Serial">Job-wide increasing serial number.</param>
/// <param name="Timestamp">When the line was logged (UTC).</param>
/// <param name="Type">Usually <c>message</c>; also <c>message-list</c>, <c>remote-import</c>.</param>
/// <param name="Message">The text; a structured message is rendered as its JSON.</param>
[JsonConverter(typeof(JobLogEntryJsonConverter))]
public sealed record JobLogEntry(long Serial, DateTimeOffset Timestamp, string Type, string Message);
