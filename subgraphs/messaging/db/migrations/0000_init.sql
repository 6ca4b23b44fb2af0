CREATE SCHEMA "messaging";
