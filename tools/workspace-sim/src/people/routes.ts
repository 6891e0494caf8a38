// The people.googleapis.com surface (v1).
import type { ApiRoute } from "../api";
import type { Router } from "../router";
import { SCOPES } from "../scopes";
import { listConnections } from "./connections";
import { listDirectoryPeople } from "./directory-people";
import {
  batchCreateContacts,
  batchDeleteContacts,
  batchUpdateContacts,
  createContact,
  deleteContact,
  updateContact,
} from "./mutations";
import { getBatchGet, getPerson, searchContacts } from "./reads";

const READ = [SCOPES.contacts, SCOPES.contactsReadonly];
const WRITE = [SCOPES.contacts];
const PROFILE = [
  SCOPES.contacts,
  SCOPES.contactsReadonly,
  SCOPES.profile,
  SCOPES.email,
  SCOPES.directoryReadonly,
];

const people = (method: string, scopes: readonly string[], handle: ApiRoute["handle"]): ApiRoute => ({
  api: "people",
  method,
  service: "people.googleapis.com",
  auth: true,
  scopes,
  handle,
});

const ID = "(?<id>[^/:]+)";

export function registerPeopleRoutes(router: Router<ApiRoute>): void {
  router
    .add(
      "GET",
      /^\/v1\/(?<resourceName>people\/[^/:]+)\/connections$/,
      people("people.connections.list", READ, listConnections),
    )
    .add("POST", /^\/v1\/people:createContact$/, people("people.createContact", WRITE, createContact))
    .add(
      "POST",
      /^\/v1\/people:batchCreateContacts$/,
      people("people.batchCreateContacts", WRITE, batchCreateContacts),
    )
    .add(
      "POST",
      /^\/v1\/people:batchUpdateContacts$/,
      people("people.batchUpdateContacts", WRITE, batchUpdateContacts),
    )
    .add(
      "POST",
      /^\/v1\/people:batchDeleteContacts$/,
      people("people.batchDeleteContacts", WRITE, batchDeleteContacts),
    )
    .add("GET", /^\/v1\/people:batchGet$/, people("people.getBatchGet", PROFILE, getBatchGet))
    .add("GET", /^\/v1\/people:searchContacts$/, people("people.searchContacts", READ, searchContacts))
    .add(
      "GET",
      /^\/v1\/people:listDirectoryPeople$/,
      people("people.listDirectoryPeople", [SCOPES.directoryReadonly], listDirectoryPeople),
    )
    .add(
      "PATCH",
      new RegExp(`^/v1/people/${ID}:updateContact$`),
      people("people.updateContact", WRITE, updateContact),
    )
    .add(
      "DELETE",
      new RegExp(`^/v1/people/${ID}:deleteContact$`),
      people("people.deleteContact", WRITE, deleteContact),
    )
    .add("GET", new RegExp(`^/v1/people/${ID}$`), people("people.get", PROFILE, getPerson));
}
