import { SettingsError, text, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface UsersSettings {
  /** The first admin, seeded when none exists. */
  adminEmail?: string;
  adminPassword?: string;
}

/** What only the users service reads from the environment. */
export const usersSettings: ServiceSettings<UsersSettings> = {
  read(env) {
    const adminEmail = text(env, "ADMIN_EMAIL");
    const adminPassword = text(env, "ADMIN_PASSWORD");
    if ((adminEmail === undefined) !== (adminPassword === undefined))
      throw new SettingsError(
        adminEmail ? "ADMIN_PASSWORD" : "ADMIN_EMAIL",
        "ADMIN_EMAIL and ADMIN_PASSWORD go together",
      );
    if (adminPassword !== undefined && adminPassword.length < 8)
      throw new SettingsError("ADMIN_PASSWORD", "must be at least 8 characters");
    return { adminEmail, adminPassword };
  },
  docs: [
    {
      variables: ["ADMIN_EMAIL", "ADMIN_PASSWORD"],
      embedded: "unset",
      meaning: "seed the first admin when none exists",
    },
  ],
};
