namespace GanetiWebManager.Rapi;

/// <summary>Temporary type so the empty project builds.</summary>
public static class Placeholder;
