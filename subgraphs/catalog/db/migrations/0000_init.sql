CREATE SCHEMA "catalog";
