CREATE SCHEMA "promotions";
