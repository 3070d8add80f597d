using GanetiWebManager.Web;

var builder = WebApplication.CreateBuilder(args);
builder.AddGanetiWebManager();

var app = builder.Build();
await app.PrepareDatabaseAsync();
app.UseGanetiWebManager();
await app.RunAsync();

/// <summary>Entry point; public so that tests can host the portal with WebApplicationFactory.</summary>
public partial class Program;
