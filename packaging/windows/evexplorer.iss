; Inno Setup script of the EV Explorer installer for Windows (Inno Setup 6.3 or later).
;
; py -3.11 packaging\build.py builds the bundle and then runs, from the checkout,
;   iscc /Q /DAppVersion=0.1.0 packaging\windows\evexplorer.iss
; which writes dist\EVExplorer-0.1.0-setup.exe. Step by step: docs/packaging.md.
;
; The installer copies dist\EVExplorer\ (EVExplorer.exe, the windowed application;
; evexplorer-cli.exe, its console twin for headless commands and --self-test; _internal\)
; and registers .evx scenario files: a ProgID with the application's icon and an open
; command that passes the file as "%1", so a scenario received by email opens with a
; double-click. Per-user install by default (no administrator rights needed); the
; registry keys then go under HKCU, or HKLM for an all-users install (HKA below).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "EV Explorer"
#define AppExe "EVExplorer.exe"
#define ProgId "EVExplorer.Scenario"
#define Bundle "..\..\dist\EVExplorer"

[Setup]
AppId={{86E0351A-A043-4D4E-9AC4-684B03F343B9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=EV Explorer maintainers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
SetupIconFile=..\..\resources\evexplorer.ico
OutputDir=..\..\dist
OutputBaseFilename=EVExplorer-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; Tell Explorer that file associations changed (SHChangeNotify) after install/uninstall.
ChangesAssociations=yes
CloseApplications=yes
; Code signing, when packaging/build.py is given a signing command (EVX_SIGNTOOL): it passes
; the command to iscc as the sign tool "evxsign" and defines SignTool, and iscc then signs
; this setup and the uninstaller it carries.
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .evx -> ProgID (the default handler), plus OpenWithProgids so "Open with" lists it too.
Root: HKA; Subkey: "Software\Classes\.evx"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.evx"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-evexplorer-scenario"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.evx"; ValueType: string; ValueName: "PerceivedType"; ValueData: "document"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.evx\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
; The ProgID: its name in Explorer, its icon, and the open command.
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "EV Explorer scenario"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"",0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
; The application itself, for "Open with" and Default Apps.
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".evx"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
