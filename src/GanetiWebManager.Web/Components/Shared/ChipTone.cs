namespace GanetiWebManager.Web.Components.Shared;

public enum ChipTone
{
    Success,
    Neutral,
    Dark,
    Warning,
    Danger,
    Info,
    Progress,
    Outline,
}
